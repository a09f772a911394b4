/**
 * Numbered, forward-only migrations. The database's PRAGMA user_version is the number of the
 * last migration applied. Never edit a migration that has shipped: add a new one.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
  /**
   * A step SQLite cannot run inside the migration's transaction (VACUUM), run after it committed.
   * It must be idempotent: it runs again at every open until it has taken effect (see database.ts).
   */
  afterCommit?: 'incremental-vacuum';
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );

      CREATE TABLE connections (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        base_url TEXT NOT NULL,
        auth_url TEXT,
        client_id TEXT NOT NULL,
        scopes TEXT NOT NULL DEFAULT '[]',
        sandbox INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        last_used_at TEXT,
        last_test_at TEXT,
        last_test_ok INTEGER,
        last_test_message TEXT
      );

      CREATE TABLE sources (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL CHECK (kind IN ('folder', 'database')),
        config TEXT NOT NULL,
        paused INTEGER NOT NULL DEFAULT 0,
        sandbox INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL DEFAULT 'idle',
        status_message TEXT,
        created_at TEXT NOT NULL
      );

      CREATE TABLE source_files (
        id INTEGER PRIMARY KEY,
        source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        seen_at TEXT NOT NULL,
        status TEXT NOT NULL,
        run_id INTEGER,
        UNIQUE (source_id, sha256)
      );

      CREATE TABLE mapping_profiles (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        version INTEGER NOT NULL,
        source_id TEXT REFERENCES sources(id) ON DELETE SET NULL,
        connection_id TEXT REFERENCES connections(id) ON DELETE SET NULL,
        fingerprint TEXT,
        profile TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );

      CREATE TABLE mapping_profile_versions (
        profile_id TEXT NOT NULL REFERENCES mapping_profiles(id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        profile TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (profile_id, version)
      );

      CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        type TEXT NOT NULL CHECK (type IN ('ingest', 'export')),
        connection_id TEXT NOT NULL REFERENCES connections(id),
        source_id TEXT REFERENCES sources(id),
        mapping_id TEXT REFERENCES mapping_profiles(id),
        config TEXT NOT NULL,
        paused INTEGER NOT NULL DEFAULT 0,
        cursor TEXT,
        created_at TEXT NOT NULL
      );

      CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        job_id TEXT REFERENCES jobs(id) ON DELETE SET NULL,
        job_name TEXT NOT NULL,
        trigger TEXT NOT NULL,
        status TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        read INTEGER NOT NULL DEFAULT 0,
        created INTEGER NOT NULL DEFAULT 0,
        updated INTEGER NOT NULL DEFAULT 0,
        deleted INTEGER NOT NULL DEFAULT 0,
        unchanged INTEGER NOT NULL DEFAULT 0,
        rejected INTEGER NOT NULL DEFAULT 0,
        bytes INTEGER NOT NULL DEFAULT 0,
        requests INTEGER NOT NULL DEFAULT 0,
        retries INTEGER NOT NULL DEFAULT 0,
        service_account TEXT,
        file TEXT,
        watermark_from TEXT,
        watermark_to TEXT,
        error TEXT
      );
      CREATE INDEX runs_job ON runs (job_id, id DESC);
      CREATE INDEX runs_started ON runs (started_at);
      CREATE INDEX runs_status ON runs (status, id DESC);

      CREATE TABLE run_events (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        at TEXT NOT NULL,
        level TEXT NOT NULL,
        message TEXT NOT NULL
      );
      CREATE INDEX run_events_run ON run_events (run_id, id);

      CREATE TABLE row_errors (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        line INTEGER,
        column_name TEXT,
        value TEXT,
        reason TEXT NOT NULL
      );
      CREATE INDEX row_errors_run ON row_errors (run_id, id);

      CREATE TABLE ledger (
        mapping_id TEXT NOT NULL,
        natural_key TEXT NOT NULL,
        connection_id TEXT NOT NULL,
        remote_id TEXT,
        content_hash TEXT NOT NULL,
        last_run_id INTEGER,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (mapping_id, natural_key)
      );

      CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        job_id TEXT NOT NULL,
        run_id INTEGER NOT NULL,
        idempotency_key TEXT NOT NULL UNIQUE,
        ops TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'done')),
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        created_at TEXT NOT NULL,
        done_at TEXT
      );
      CREATE INDEX outbox_pending ON outbox (status, id);
    `,
  },
  {
    version: 2,
    name: 'platform-specific connection options',
    // e.g. the Altruistiq user e-mail an upload is attributed to; never a secret.
    sql: `ALTER TABLE connections ADD COLUMN options TEXT NOT NULL DEFAULT '{}';`,
  },
  {
    version: 3,
    name: 'ingest staging',
    // A run's mapped records land here first, so duplicates and the ledger diff are SQL over
    // disk rather than maps in memory, and nothing is sent before a whole file has been read.
    sql: `
      CREATE TABLE staging (
        run_id INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        natural_key TEXT NOT NULL,
        line INTEGER NOT NULL,
        value_column TEXT,
        record TEXT NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (run_id, seq)
      );
      CREATE INDEX staging_key ON staging (run_id, natural_key);
    `,
  },
  {
    version: 4,
    name: 'platform request log and incremental vacuum',
    // One row per HTTP attempt a run made (retries and token calls included): never a body or a
    // header value. Pruned with its run by the retention setting.
    sql: `
      CREATE TABLE run_requests (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        started_at TEXT NOT NULL,
        method TEXT NOT NULL,
        host TEXT NOT NULL,
        path TEXT NOT NULL,
        status INTEGER,
        error TEXT,
        duration_ms INTEGER NOT NULL,
        attempt INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('api', 'token'))
      );
      CREATE INDEX run_requests_run ON run_requests (run_id, id);
    `,
    // Databases created before version 4 have auto_vacuum=NONE, which only a full VACUUM can
    // change; new databases get INCREMENTAL before their first table (database.ts).
    afterCommit: 'incremental-vacuum',
  },
  {
    version: 5,
    name: 'duplicate file sightings',
    // source_files keeps one row per content (what the ledger looks up); each later copy of that
    // content is a sighting here, so a duplicate never overwrites the original's outcome.
    sql: `
      CREATE TABLE source_file_duplicates (
        id INTEGER PRIMARY KEY,
        source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        seen_at TEXT NOT NULL
      );
      CREATE INDEX source_file_duplicates_source ON source_file_duplicates (source_id, seen_at);
    `,
  },
  {
    version: 6,
    name: 'file sightings remember size and mtime by path',
    // "Run now" scans the whole folder; a file still at the path where it was seen, with the same
    // size and modification time, is known content and need not be hashed again (rsync's quick
    // check). Older rows have no mtime and are simply hashed once more.
    sql: `
      ALTER TABLE source_files ADD COLUMN mtime_ms REAL;
      ALTER TABLE source_file_duplicates ADD COLUMN mtime_ms REAL;
      CREATE INDEX source_files_path ON source_files (source_id, path);
      CREATE INDEX source_file_duplicates_path ON source_file_duplicates (source_id, path);
    `,
  },
  {
    version: 7,
    name: 'row errors in line order',
    // A virtual column (computed on read, nothing stored) so the index and the keyset paging of
    // runs.errors compare plain columns: SQLite seeks a row value over columns, not expressions.
    // Errors without a line (a delete the platform refused) sort first.
    sql: `
      ALTER TABLE row_errors ADD COLUMN line_order INTEGER GENERATED ALWAYS AS (IFNULL(line, 0)) VIRTUAL;
      CREATE INDEX row_errors_run_line ON row_errors (run_id, line_order, id);
      DROP INDEX row_errors_run;
    `,
  },
  {
    version: 8,
    name: 'runs count held values and know their file by content',
    // Values held for a code not mapped yet are counted apart, so a run can offer to send them
    // once they are mapped (runs before this count them among the rejected only); the file's
    // content hash finds it in processed/ after it was moved, however often it was read again.
    sql: `
      ALTER TABLE runs ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE runs ADD COLUMN file_sha256 TEXT;
    `,
  },
  {
    version: 9,
    name: 'row errors mark held values',
    // "Send the held rows" reads those lines of the file again, and only those.
    sql: `ALTER TABLE row_errors ADD COLUMN held INTEGER NOT NULL DEFAULT 0;`,
  },
  {
    version: 10,
    name: 'ledger entries found by platform id',
    // A create the platform refuses because it already holds the key names the record it holds:
    // whether this agent sent that record (under another mapping or an older natural key) is a
    // look-up by platform id.
    sql: `CREATE INDEX ledger_remote ON ledger (remote_id) WHERE remote_id IS NOT NULL;`,
  },
  {
    version: 11,
    name: 'runs that held values found by job',
    // The polled jobs list says which files still hold rows for codes not mapped: only those
    // runs are read, however long the job's history.
    sql: `CREATE INDEX runs_held ON runs (job_id, id) WHERE held > 0;`,
  },
  {
    version: 12,
    name: 'runs know the mapping version they used',
    // Which version of a mapping produced a run's values, for whoever audits them later.
    sql: `
      ALTER TABLE runs ADD COLUMN mapping_id TEXT;
      ALTER TABLE runs ADD COLUMN mapping_version INTEGER;
    `,
  },
  {
    version: 13,
    name: 'export jobs remember the items they exported',
    // A PACT host lists every footprint on every run and a footprint may be shared long after it
    // was created, so "changed since the cursor" misses it: an incremental export writes the items
    // new to the job or whose content hash changed. export_memory is what the job's last
    // successful runs wrote; export_memory_staged what the current run wrote so far (moved into
    // export_memory only once it succeeded, dropped when it failed); export_memory_jobs says the
    // memory was filled (a job exported before this migration has a cursor but no memory yet).
    // Removing a job removes all three (foreign keys are on, see database.ts).
    sql: `
      CREATE TABLE export_memory (
        job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        item_id TEXT NOT NULL,
        hash TEXT NOT NULL,
        run_id INTEGER,
        PRIMARY KEY (job_id, item_id)
      );
      CREATE TABLE export_memory_staged (
        job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        item_id TEXT NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (job_id, item_id)
      );
      CREATE TABLE export_memory_jobs (
        job_id TEXT PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
        dataset TEXT NOT NULL,
        filled_at TEXT NOT NULL,
        run_id INTEGER
      );
    `,
  },
  {
    version: 14,
    name: 'files removed by the folder clean-up are marked',
    // The run page and "Send the file again" then say the clean-up removed the file, and when,
    // instead of pointing at a path that is gone.
    sql: `ALTER TABLE source_files ADD COLUMN removed_at TEXT;`,
  },
  {
    version: 15,
    name: 'row errors of a database row name its key',
    // A table has no stable row order, so its row errors name the row by its key (id=1042) for
    // the History table and the CSV; line stays the position in the read, for paging and held rows.
    sql: `ALTER TABLE row_errors ADD COLUMN row_key TEXT;`,
  },
];

export const latestVersion = migrations[migrations.length - 1]!.version;
