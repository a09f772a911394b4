/**
 * Which file contents were already taken. The watcher asks before announcing a file; the
 * outcome is recorded when the file is disposed. The store backs this with SQLite; the
 * in-memory one serves tests and short-lived tools.
 */
export interface FileLedgerEntry {
  sha256: string;
  path: string;
  size: number;
  outcome: 'processed' | 'failed';
  recordedAt: string;
}

export interface FileLedger {
  /**
   * The entry for this content, if it was taken before and a copy at `path` is not to be taken
   * again (the store's ledger takes older content dropped anew: see SyncService.fileLedger).
   */
  lookup(sha256: string, path: string): Promise<FileLedgerEntry | null> | FileLedgerEntry | null;
  record(entry: FileLedgerEntry): Promise<void> | void;
}

export class InMemoryFileLedger implements FileLedger {
  private readonly entries = new Map<string, FileLedgerEntry>();
  lookup(sha256: string): FileLedgerEntry | null {
    return this.entries.get(sha256) ?? null;
  }
  record(entry: FileLedgerEntry): void {
    const prev = this.entries.get(entry.sha256);
    // A processed record is never downgraded by a later failure of a duplicate.
    if (prev?.outcome === 'processed' && entry.outcome === 'failed') return;
    this.entries.set(entry.sha256, entry);
  }
  get size(): number {
    return this.entries.size;
  }
}
