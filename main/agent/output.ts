/** Human tables or --json, from the same data. */
export interface Output {
  json: boolean;
  print(data: unknown, human: () => string): void;
  info(line: string): void;
}

export function createOutput(json: boolean, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Output {
  return {
    json,
    print(data, human) {
      out.write(json ? JSON.stringify(data, null, 2) + '\n' : human() + '\n');
    },
    info(line) {
      // Progress and notes go to stderr so --json output stays machine-readable.
      err.write(line + '\n');
    },
  };
}

export function table(rows: Record<string, string | number | null>[], columns: string[]): string {
  if (!rows.length) return '';
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...rows.map((r) => line(columns.map((c) => String(r[c] ?? ''))))].join('\n');
}
