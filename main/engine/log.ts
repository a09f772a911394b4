import { closeSync, fchmodSync, fstatSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { makePrivateDir, PRIVATE_FILE_MODE, restrictToOwner } from './paths';

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
  /** Rotated files left by an older version are made owner-only once, at the first open. */
  private tightenedRotated = false;
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
    makePrivateDir(join(this.file, '..'));
    this.fd = openSync(this.file, 'a', PRIVATE_FILE_MODE);
    const st = fstatSync(this.fd);
    // A file written by an older version (0644) is made owner-only like a new one; rotation keeps the mode.
    if (process.platform !== 'win32' && st.mode & 0o077) {
      try {
        fchmodSync(this.fd, st.mode & 0o7777 & ~0o077);
      } catch {
        /* someone else's file: still appended to, as before */
      }
    }
    if (!this.tightenedRotated) {
      this.tightenedRotated = true;
      for (const f of this.files().slice(1)) restrictToOwner(f);
    }
    this.size = st.size;
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
  /** Default: ESG_SYNC_LOG_LEVEL, else info. */
  level?: string;
  /** Also write the same JSON lines to stderr (the agent sets this from ESG_SYNC_LOG_CONSOLE=1). */
  console?: boolean;
  maxBytes?: number;
  keepFiles?: number;
}

/** The levels a person can choose, least to most detail; `silent` writes nothing. */
export const LOG_LEVELS = ['silent', 'fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export const DEFAULT_LOG_LEVEL = 'info';

function isLogLevel(value: string): value is (typeof LOG_LEVELS)[number] {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/**
 * One pino logger per process: JSON lines with ISO 8601 UTC times (`"time":"2026-03-01T03:00:00.000Z"`)
 * in the data folder's logs/agent.log (owner-only), rotated by size, with secrets removed before a
 * line is formatted; optionally also stderr. A level that is not one of LOG_LEVELS (a typo in
 * ESG_SYNC_LOG_LEVEL) logs at info and says so, rather than stopping the agent.
 */
export function createLogger(opts: LogOptions): Logger {
  const asked = (opts.level ?? process.env.ESG_SYNC_LOG_LEVEL ?? '').trim().toLowerCase() || DEFAULT_LOG_LEVEL;
  const level = isLogLevel(asked) ? asked : DEFAULT_LOG_LEVEL;
  const streams: pino.StreamEntry[] = [];
  if (opts.logDir) {
    makePrivateDir(opts.logDir);
    const file = new RotatingFileStream({ file: join(opts.logDir, LOG_FILE_NAME), maxBytes: opts.maxBytes, keepFiles: opts.keepFiles });
    streams.push({ level: level as pino.Level, stream: file });
  }
  if (opts.console) streams.push({ level: level as pino.Level, stream: process.stderr });
  if (!streams.length) return pino({ level: 'silent' });
  const logger = createPino(level, streams);
  if (asked !== level) logger.warn({ asked, levels: LOG_LEVELS }, `log level "${asked}" is not one of ${LOG_LEVELS.join(', ')}; logging at ${level}`);
  return logger;
}

function createPino(level: string, streams: pino.StreamEntry[]): Logger {
  return pino(
    {
      level,
      // ISO 8601 in UTC, so a person reading agent.log needs no epoch converter (no code reads `time` back).
      timestamp: pino.stdTimeFunctions.isoTime,
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
