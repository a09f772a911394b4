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

/**
 * The exit code of a failed run, from its error (the platform client's messages,
 * main/engine/platforms/errors.ts): the platform down, slow, overloaded, unreachable or refusing
 * the credentials is 3, so a service manager can retry later; anything else (a source, a mapping,
 * a setting) is 2, which waits for a person.
 */
const PLATFORM_TROUBLE = [
  /unreachable|could not reach|refused|timed out|failed before a response arrived|connection was reset|network connection failed/i,
  /could not resolve the host name|secure connection to .* failed/i,
  /unauthori|invalid_client|rejected the client ID or secret|did not accept the access token|not allowed to do this|may not use the requested scope/i,
  /internal error \(HTTP 5\d\d\)|\(HTTP 5\d\d\)|rate limiting this service account|HTTP 429/i,
];

/** A database source's own messages (main/engine/sources/database) name it: refused or unreachable, it is not the platform. */
const DATABASE_SOURCE = /\b(PostgreSQL|MySQL|MariaDB|SQLite)\b/;

export function exitCodeForFailedRun(error: string | null): number {
  if (!error || DATABASE_SOURCE.test(error)) return EXIT.usage;
  return PLATFORM_TROUBLE.some((re) => re.test(error)) ? EXIT.platform : EXIT.usage;
}
