/**
 * The sandbox platform's own SQLite database. Deliberately separate from the agent's store:
 * it plays the remote platform, so nothing in the engine may read it except through HTTP.
 */
import Database from 'better-sqlite3';
import { SEED_ENTITIES, SEED_METRICS } from './seed';

export type SandboxDb = Database.Database;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS accounts (
  client_id    TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  organisation TEXT,
  secret_hash  TEXT NOT NULL,
  scopes       TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  last_used_at TEXT
);
CREATE TABLE IF NOT EXISTS metrics (
  id          TEXT PRIMARY KEY,
  code        TEXT NOT NULL UNIQUE,
  name        TEXT NOT NULL,
  description TEXT,
  unit        TEXT NOT NULL,
  category    TEXT NOT NULL,
  value_type  TEXT NOT NULL,
  custom      INTEGER NOT NULL,
  api_writable INTEGER NOT NULL,
  aggregation TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS entities (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  type         TEXT NOT NULL,
  external_ref TEXT,
  parent_id    TEXT,
  country      TEXT
);
CREATE TABLE IF NOT EXISTS submissions (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  id           TEXT NOT NULL UNIQUE,
  metric_id    TEXT NOT NULL REFERENCES metrics(id),
  entity_id    TEXT NOT NULL REFERENCES entities(id),
  period_start TEXT NOT NULL,
  period_end   TEXT NOT NULL,
  value_json   TEXT NOT NULL,
  value_num    REAL,
  unit         TEXT NOT NULL,
  comment      TEXT,
  evidence     TEXT,
  version      INTEGER NOT NULL,
  created_at   TEXT NOT NULL,
  created_by   TEXT NOT NULL,
  updated_at   TEXT NOT NULL,
  updated_by   TEXT NOT NULL,
  deleted_at   TEXT
);
-- One live submission per natural key; deleted ones stay as tombstones for incremental exports.
CREATE UNIQUE INDEX IF NOT EXISTS submissions_live_key
  ON submissions (entity_id, metric_id, period_start, period_end) WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS submissions_updated ON submissions (updated_at, seq);
CREATE TABLE IF NOT EXISTS idempotency (
  client_id     TEXT NOT NULL,
  key           TEXT NOT NULL,
  body_hash     TEXT NOT NULL,
  status        INTEGER NOT NULL,
  -- deflated JSON: a 1000-item answer repeats itself a lot, and a big benchmark stores thousands.
  response_body BLOB NOT NULL,
  created_at    TEXT NOT NULL,
  PRIMARY KEY (client_id, key)
);
`;

export function openSandboxDb(path: string): SandboxDb {
  const db = new Database(path);
  if (path !== ':memory:') db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  // A sandbox may lose the last write on power loss; it gains a lot of write speed for benchmarks.
  db.pragma('synchronous = NORMAL');
  db.exec(SCHEMA);
  seedLibrary(db);
  return db;
}

/** Inserts the standard library without touching rows a previous run may have changed. */
function seedLibrary(db: SandboxDb): void {
  const insMetric = db.prepare(
    `INSERT OR IGNORE INTO metrics (id, code, name, description, unit, category, value_type, custom, api_writable, aggregation)
     VALUES (@id, @code, @name, @description, @unit, @category, @valueType, @custom, @apiWritable, @aggregation)`,
  );
  const insEntity = db.prepare(
    `INSERT OR IGNORE INTO entities (id, name, type, external_ref, parent_id, country)
     VALUES (@id, @name, @type, @externalRef, @parentId, @country)`,
  );
  db.transaction(() => {
    for (const x of SEED_METRICS) insMetric.run({ ...x, custom: x.custom ? 1 : 0, apiWritable: x.apiWritable ? 1 : 0 });
    for (const e of SEED_ENTITIES) insEntity.run(e);
  })();
}

/**
 * Timestamps that never go backwards, so (updated_at, seq) cursors stay right if the wall clock
 * steps back. `fence()` is called when an export reads: every later write gets a strictly later
 * timestamp than anything that export could have seen, so a consumer resuming with
 * `updated_since = last updated_at seen` can never miss a row written in the same millisecond.
 */
export interface SandboxClock {
  now(): string;
  fence(): void;
}

export function createClock(db: SandboxDb): SandboxClock {
  const row = db.prepare('SELECT MAX(updated_at) AS t FROM submissions').get() as { t: string | null };
  let last = row.t ? Date.parse(row.t) : 0;
  let floor = last + 1;
  // A batch asks for the time once per item, many times within one millisecond: the text of the
  // last millisecond is kept instead of formatting a new Date for each.
  let textMs = Number.NaN;
  let text = '';
  return {
    now() {
      last = Math.max(Date.now(), floor);
      floor = last;
      if (last !== textMs) {
        textMs = last;
        text = new Date(last).toISOString();
      }
      return text;
    },
    fence() {
      floor = last + 1;
    },
  };
}
