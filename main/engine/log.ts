import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';

export type { Logger };

/** Keys whose values never reach a log line, wherever they appear in a logged object. */
export const REDACT_PATHS = [
  'secret',
  'clientSecret',
  'password',
  'token',
  'accessToken',
  'access_token',
  'authorization',
  '*.secret',
  '*.clientSecret',
  '*.password',
  '*.token',
  '*.accessToken',
  '*.access_token',
  '*.authorization',
  'headers.authorization',
];

export interface LogOptions {
  logDir: string | null;
  level?: string;
  /** Also write human-readable lines to stderr (CLI, development). */
  console?: boolean;
}

/** One pino logger per process: JSON lines in the data folder's logs/ (rotated by the agent), optional stderr. */
export function createLogger(opts: LogOptions): Logger {
  const level = opts.level ?? process.env.ESG_SYNC_LOG_LEVEL ?? 'info';
  const streams: pino.StreamEntry[] = [];
  if (opts.logDir) {
    mkdirSync(opts.logDir, { recursive: true });
    streams.push({ level: level as pino.Level, stream: pino.destination({ dest: join(opts.logDir, 'agent.log'), sync: false, mkdir: true }) });
  }
  if (opts.console) streams.push({ level: level as pino.Level, stream: process.stderr });
  if (!streams.length) return pino({ level: 'silent' });
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, pino.multistream(streams));
}
