/** Human tables or --json, from the same data. */
export interface Output {
  json: boolean;
  print(data: unknown, human: () => string): void;
  info(line: string): void;
}

/**
 * Text for a terminal, with control characters shown instead of obeyed. File names come from
 * whoever can drop a file: a name holding ESC sequences cleared the admin's screen and set the
 * window title through `history show`. Line breaks and tabs are the output's own and stay.
 */
export function terminalSafe(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => (c === '\u001b' ? '^[' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

export function createOutput(json: boolean, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Output {
  return {
    json,
    print(data, human) {
      out.write(json ? JSON.stringify(data, null, 2) + '\n' : terminalSafe(human()) + '\n');
    },
    info(line) {
      // Progress and notes go to stderr so --json output stays machine-readable.
      err.write(terminalSafe(line) + '\n');
    },
  };
}

export function table(rows: Record<string, string | number | null>[], columns: string[]): string {
  if (!rows.length) return '';
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...rows.map((r) => line(columns.map((c) => String(r[c] ?? ''))))].join('\n');
}
