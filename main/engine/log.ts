import { closeSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';

export type { Logger };

export const LOG_FILE_NAME = 'agent.log';
/** Rotate when the current file would pass this size… */
export const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
/** …and keep this many rotated files (agent.log.1 is the newest) beside the current one. */
export const DEFAULT_KEEP_FILES = 5;

/**
 * Top-level keys pino itself censors. Needed for child-logger bindings, which pino formats
 * without the log formatter; everything else goes through redactDeep, which matches keys by
 * name at any depth.
 */
export const REDACT_PATHS = [
  'secret',
  'clientSecret',
  'client_secret',
  'password',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'authorization',
  'apiKey',
  'api_key',
  'cookie',
  'credentials',
];

const CENSOR = '[redacted]';
/** Key names (lower-cased, separators removed) whose values never reach a log line. */
const SECRET_KEYS = new Set(['secret', 'password', 'passwd', 'pwd', 'token', 'authorization', 'proxyauthorization', 'cookie', 'setcookie', 'apikey', 'xapikey', 'privatekey', 'credentials', 'bearer']);
const SECRET_SUFFIXES = ['secret', 'password', 'token', 'apikey', 'privatekey'];

export function isSecretKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  return SECRET_KEYS.has(k) || SECRET_SUFFIXES.some((s) => k.endsWith(s));
}

// Secret values that hide inside free text: HTTP auth headers, form bodies, query strings, URLs with a password.
const TEXT_PATTERNS: [RegExp, string][] = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${CENSOR}`],
  [/\b(client_secret|password|access_token|refresh_token|id_token|api_key|apikey|token)=([^&\s"']+)/gi, `$1=${CENSOR}`],
  [/("(?:client_?secret|password|access_?token|refresh_?token|token|authorization)"\s*:\s*)"[^"]*"/gi, `$1"${CENSOR}"`],
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:)[^@\s/]+@/gi, `$1${CENSOR}@`],
];

export function scrubText(text: string): string {
  let out = text;
  for (const [re, replacement] of TEXT_PATTERNS) out = out.replace(re, replacement);
  return out;
}

/**
 * A copy of a logged value with every secret-looking key censored at any depth and known
 * secret shapes removed from strings. Errors become plain objects so their message and
 * stack are scrubbed too. Cycles and very deep objects are cut rather than followed.
 */
export function redactDeep(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8) return '[too deep]';
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (value instanceof Error) {
    // A null prototype makes pino's error serializer report the error's own name as its type.
    const plain: Record<string, unknown> = Object.assign(Object.create(null) as object, { name: value.name, message: scrubText(value.message) });
    if (value.stack) plain.stack = scrubText(value.stack);
    for (const [k, v] of Object.entries(value)) plain[k] = isSecretKey(k) ? CENSOR : redactDeep(v, depth + 1, seen);
    if (value.cause !== undefined) plain.cause = redactDeep(value.cause, depth + 1, seen);
    return plain;
  }
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1, seen));
  if (value instanceof Date) return value;
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = isSecretKey(k) && v !== null && v !== undefined ? CENSOR : redactDeep(v, depth + 1, seen);
  return out;
}

export interface RotatingFileOptions {
  file: string;
  maxBytes?: number;
  keepFiles?: number;
  /** How often to check that the file on disk is still the one being written (deleted, moved). */
  recheckMs?: number;
}

/**
 * A pino destination that appends synchronously (nothing is lost when the process dies) and
 * rotates by size: agent.log → agent.log.1 → … → agent.log.N, the oldest deleted. Several
 * processes may append to the same file (the agent and one-off CLI commands): when another
 * one rotated first, this one just reopens the new file. Logging never throws into the
 * caller: a failed write is dropped and the file reopened on the next line.
 */
export class RotatingFileStream {
  readonly file: string;
  readonly maxBytes: number;
  readonly keepFiles: number;
  private fd: number | null = null;
  private size = 0;
  private readonly recheckMs: number;
  private checkedAt = 0;
  /** Lines that could not be written (disk full, folder removed); for tests and diagnostics. */
  dropped = 0;

  constructor(opts: RotatingFileOptions) {
    this.file = opts.file;
    this.maxBytes = Math.max(1024, opts.maxBytes ?? DEFAULT_MAX_BYTES);
    this.keepFiles = Math.max(1, opts.keepFiles ?? DEFAULT_KEEP_FILES);
    this.recheckMs = opts.recheckMs ?? 5000;
  }

  write(chunk: string): boolean {
    const bytes = Buffer.byteLength(chunk);
    try {
      if (this.fd !== null && Date.now() - this.checkedAt >= this.recheckMs && !this.stillOnDisk()) this.closeFd();
      if (this.fd === null) this.open();
      if (this.size > 0 && this.size + bytes > this.maxBytes) this.rotate();
      writeSync(this.fd!, chunk);
      this.size += bytes;
    } catch {
      this.dropped++;
      this.closeFd();
    }
    return true;
  }

  flushSync(): void {
    /* every write is already synchronous */
  }

  flush(cb?: (err?: Error) => void): void {
    cb?.();
  }

  end(): void {
    this.closeFd();
  }

  /** The current file followed by the rotated ones, newest first (whether or not they exist yet). */
  files(): string[] {
    return [this.file, ...Array.from({ length: this.keepFiles }, (_, i) => `${this.file}.${i + 1}`)];
  }

  private open(): void {
    mkdirSync(join(this.file, '..'), { recursive: true });
    this.fd = openSync(this.file, 'a', 0o600);
    this.size = fstatSync(this.fd).size;
    this.checkedAt = Date.now();
  }

  /** False when someone deleted or moved the file: lines would go nowhere a person can find. */
  private stillOnDisk(): boolean {
    this.checkedAt = Date.now();
    try {
      const onDisk = statSync(this.file);
      const mine = fstatSync(this.fd!);
      return onDisk.ino === mine.ino && onDisk.dev === mine.dev;
    } catch {
      return false;
    }
  }

  private closeFd(): void {
    if (this.fd === null) return;
    try {
      closeSync(this.fd);
    } catch {
      /* already closed */
    }
    this.fd = null;
  }

  private rotate(): void {
    const mine = fstatSync(this.fd!);
    let onDisk: { ino: number; dev: number } | null;
    try {
      onDisk = statSync(this.file);
    } catch {
      onDisk = null;
    }
    this.closeFd();
    const rotatedByOther = onDisk !== null && (onDisk.ino !== mine.ino || onDisk.dev !== mine.dev);
    if (!rotatedByOther && onDisk !== null) {
      rmSync(`${this.file}.${this.keepFiles}`, { force: true });
      for (let i = this.keepFiles - 1; i >= 1; i--) {
        try {
          renameSync(`${this.file}.${i}`, `${this.file}.${i + 1}`);
        } catch {
          /* that generation does not exist yet */
        }
      }
      renameSync(this.file, `${this.file}.1`);
    }
    this.open();
  }
}

export interface LogOptions {
  logDir: string | null;
  level?: string;
  /** Also write human-readable lines to stderr (CLI, development). */
  console?: boolean;
  maxBytes?: number;
  keepFiles?: number;
}

/**
 * One pino logger per process: JSON lines in the data folder's logs/agent.log, rotated by size,
 * with secrets removed before a line is formatted; optionally also stderr.
 */
export function createLogger(opts: LogOptions): Logger {
  const level = opts.level ?? process.env.ESG_SYNC_LOG_LEVEL ?? 'info';
  const streams: pino.StreamEntry[] = [];
  if (opts.logDir) {
    mkdirSync(opts.logDir, { recursive: true });
    const file = new RotatingFileStream({ file: join(opts.logDir, LOG_FILE_NAME), maxBytes: opts.maxBytes, keepFiles: opts.keepFiles });
    streams.push({ level: level as pino.Level, stream: file });
  }
  if (opts.console) streams.push({ level: level as pino.Level, stream: process.stderr });
  if (!streams.length) return pino({ level: 'silent' });
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: CENSOR },
      formatters: {
        log: (obj) => redactDeep(obj) as Record<string, unknown>,
        bindings: (bindings) => redactDeep(bindings) as pino.Bindings,
      },
      hooks: {
        // Message strings and format arguments are scrubbed too, not only merged objects.
        logMethod(args, method) {
          const clean: unknown[] = args.map((a) => (typeof a === 'string' ? scrubText(a) : a));
          // logger.error(err) takes its message from the error: scrub it like any other message.
          if (clean[0] instanceof Error) clean.splice(0, 1, { err: clean[0] }, ...(typeof clean[1] === 'string' ? [] : [scrubText(clean[0].message)]));
          method.apply(this, clean as Parameters<typeof method>);
        },
      },
    },
    pino.multistream(streams),
  );
}
