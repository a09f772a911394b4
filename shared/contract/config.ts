import { z } from 'zod';
import { PlatformKind } from '../domain';
import { Settings } from '../dto';

/**
 * Moving an agent to another computer: its configuration (settings, connections, sources,
 * mappings, jobs) as one JSON file, without any secret. `config.export` gives the file and what
 * must be added again by hand; `config.import` adds what the file has and this agent has not.
 * The CLI (`esg-sync config export|import`) and the Settings page call these same two methods.
 */

export const CONFIG_KIND = 'esg-sync-config';
/** The newest format this agent reads and writes. */
export const CONFIG_FORMAT_VERSION = 1;

const Name = z.string().min(1);

export const ConnectionEntry = z.object({
  name: Name,
  kind: PlatformKind,
  baseUrl: z.string().min(1),
  authUrl: z.string().nullable().default(null),
  clientId: z.string().min(1),
  scopes: z.array(z.string()).default([]),
  userEmail: z.string().nullable().default(null),
});
export type ConnectionEntry = z.infer<typeof ConnectionEntry>;

export const SourceEntry = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('folder'), name: Name, paused: z.boolean().default(false), folder: z.record(z.string(), z.unknown()) }),
  z.object({
    kind: z.literal('database'),
    name: Name,
    paused: z.boolean().default(false),
    database: z.record(z.string(), z.unknown()),
    /** The source had a password in the keychain: it must be added again with it. */
    passwordInKeychain: z.boolean().default(false),
  }),
]);
export type SourceEntry = z.infer<typeof SourceEntry>;
export type DatabaseSourceEntry = Extract<SourceEntry, { kind: 'database' }>;

export const MappingEntry = z.object({ name: Name, source: Name, connection: Name, profile: z.record(z.string(), z.unknown()) });
export type MappingEntry = z.infer<typeof MappingEntry>;

export const JobEntry = z.object({
  name: Name,
  type: z.enum(['ingest', 'export']),
  connection: Name,
  source: Name.nullable().default(null),
  mapping: Name.nullable().default(null),
  paused: z.boolean().default(false),
  config: z.record(z.string(), z.unknown()),
  /** An export job's destination database had a password in the keychain. */
  databasePasswordSaved: z.boolean().default(false),
});
export type JobEntry = z.infer<typeof JobEntry>;

/** The export file, version 1. Nothing in it is a secret. */
export const ConfigFile = z.object({
  kind: z.literal(CONFIG_KIND),
  formatVersion: z.literal(CONFIG_FORMAT_VERSION),
  exportedAt: z.string().optional(),
  appVersion: z.string().optional(),
  secrets: z.string().optional(),
  settings: Settings.partial().default({}),
  connections: z.array(ConnectionEntry).default([]),
  sources: z.array(SourceEntry).default([]),
  mappings: z.array(MappingEntry).default([]),
  jobs: z.array(JobEntry).default([]),
});
export type ConfigFile = z.infer<typeof ConfigFile>;

/** A secret the file cannot carry, and that a person adds again on the other computer. */
export const SecretToAdd = z.object({
  kind: z.enum(['connection', 'source', 'job']),
  name: z.string(),
  secret: z.enum(['client secret', 'database password']),
  /** Before the import (the import finds the item by name) or after it. */
  when: z.enum(['before import', 'after import']),
  /** How, for an administrator: a command to paste, or where to enter it. */
  how: z.string(),
});
export type SecretToAdd = z.infer<typeof SecretToAdd>;

export const ImportOutcome = z.enum(['added', 'would add', 'already here', 'not imported', 'failed']);
export type ImportOutcome = z.infer<typeof ImportOutcome>;

export const ImportItem = z.object({
  kind: z.enum(['connection', 'source', 'mapping', 'job']),
  name: z.string(),
  outcome: ImportOutcome,
  /** Why it was not imported, or what else to do (a password to enter again), in words. */
  note: z.string().optional(),
  /** A command that adds it (with its secret). */
  command: z.string().optional(),
  /**
   * What a source or job to be added reads, writes and when it runs, from the file: a file from
   * someone else is read before anything watches a folder or runs a query.
   */
  detail: z.string().optional(),
});
export type ImportItem = z.infer<typeof ImportItem>;

const SettingValue = z.union([z.number(), z.string(), z.boolean(), z.null()]);

export const ConfigExportResult = z.object({
  file: ConfigFile,
  /** Items not exported (the sandbox tour's, and what depends on them), as 'connection "Sandbox"'. */
  leftOut: z.array(z.string()),
  secretsToAddAgain: z.array(SecretToAdd),
  /** Where the engine wrote the file, when asked to (`path`); null when only given back. */
  savedTo: z.string().nullable(),
});
export type ConfigExportResult = z.infer<typeof ConfigExportResult>;

export const ConfigImportResult = z.object({
  dryRun: z.boolean(),
  settingChanges: z.array(z.object({ key: Settings.keyof(), from: SettingValue, to: SettingValue })),
  /** The settings were not changed, and why. */
  settingsError: z.string().nullable(),
  items: z.array(ImportItem),
  /** Every secret the file's items need; `when` says which must be added before the import and which after. */
  secretsToAddAgain: z.array(SecretToAdd),
});
export type ConfigImportResult = z.infer<typeof ConfigImportResult>;

export const configMethods = {
  'config.export': {
    params: z
      .object({
        /**
         * Also write the file here (an absolute path ending in .json, from the desktop app's save
         * dialog: its page cannot download), readable by this user only; a file there is replaced.
         */
        path: z.string().min(1).max(4096).optional(),
      })
      .strict(),
    result: ConfigExportResult,
  },
  'config.import': {
    params: z
      .object({
        /** The parsed JSON of the file: checked inside, with errors in words. */
        file: z.unknown(),
        /** Say what would be added, changed and left, and change nothing. */
        dryRun: z.boolean().default(false),
        /** Save mappings even when their metric ids, site ids or units do not fit the connection's platform. */
        force: z.boolean().default(false),
        /** How the file is named in error messages (its path, or the name of the file chosen); "The file" when absent. */
        fileName: z.string().min(1).max(4096).optional(),
      })
      .strict(),
    result: ConfigImportResult,
  },
} as const;
