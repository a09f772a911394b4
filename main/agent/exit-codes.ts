/** The CLI's exit codes (DESIGN.md): scripts and service managers rely on them. */
export const EXIT = {
  ok: 0,
  rejectedRows: 1,
  usage: 2,
  platform: 3,
} as const;

/** An error the CLI prints as one plain sentence and exits with the given code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
