export { FolderWatcher, type FolderWatcherOptions, type FolderStatus, type ReadyFile, type FolderWatcherEvents } from './watcher';
export { InMemoryFileLedger, type FileLedger, type FileLedgerEntry } from './file-ledger';
export { disposeFileIn, errorsCsvText, neutraliseCell, type DisposeOutcome, type DisposePolicy, type DisposeResult } from './dispose';
export { makeFileFilter, splitPatterns } from './filters';
export { sha256File } from './hash';
export { scanReadyFiles, type ScanOptions } from './scan';
