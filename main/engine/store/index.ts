import { join } from 'node:path';
import { openDatabase, type Db, type OpenOptions } from './database';
import { ConnectionsRepo } from './connections-repo';
import { ExportMemoryRepo } from './export-memory-repo';
import { HeldBackRepo } from './held-back-repo';
import { JobsRepo } from './jobs-repo';
import { LedgerRepo } from './ledger-repo';
import { MappingsRepo } from './mappings-repo';
import { OutboxRepo } from './outbox-repo';
import { RunsRepo } from './runs-repo';
import { SettingsRepo } from './settings-repo';
import { SourcesRepo } from './sources-repo';

export { StoreError, openDatabase } from './database';
export type { Db } from './database';
export type { ConnectionRecord } from './connections-repo';
export type { SourceRecord, FileStatus } from './sources-repo';
export type { MappingRecord } from './mappings-repo';
export type { JobRecord } from './jobs-repo';
export type { LedgerEntry } from './ledger-repo';
export type { OutboxBatch } from './outbox-repo';
export type { NewRun, RunUpdate } from './runs-repo';
export type { FinishedDatabaseRun } from './held-back-repo';
export type { ExportMemoryCounts, ExportMemorySession, ExportMemorySessionOptions } from './export-memory-repo';

export const DATABASE_FILE = 'esg-sync.db';

/** The agent's local store: one SQLite file in the data folder, one repository per table group. */
export class Store {
  readonly settings: SettingsRepo;
  readonly connections: ConnectionsRepo;
  readonly sources: SourcesRepo;
  readonly mappings: MappingsRepo;
  readonly jobs: JobsRepo;
  readonly runs: RunsRepo;
  readonly ledger: LedgerRepo;
  readonly outbox: OutboxRepo;
  readonly heldBack: HeldBackRepo;
  readonly exportMemory: ExportMemoryRepo;

  constructor(readonly db: Db) {
    this.settings = new SettingsRepo(db);
    this.connections = new ConnectionsRepo(db);
    this.sources = new SourcesRepo(db);
    this.mappings = new MappingsRepo(db);
    this.jobs = new JobsRepo(db);
    this.runs = new RunsRepo(db);
    this.ledger = new LedgerRepo(db);
    this.outbox = new OutboxRepo(db);
    this.heldBack = new HeldBackRepo(db, this.settings);
    this.exportMemory = new ExportMemoryRepo(db);
  }

  static open(dataDir: string, opts?: OpenOptions): Store {
    return new Store(openDatabase(join(dataDir, DATABASE_FILE), opts));
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
