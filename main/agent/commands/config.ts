import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { AddDatabaseParams, AddFolderParams } from '../../../shared/contract/sources';
import { PlatformKind } from '../../../shared/domain';
import { defaultSettings, Settings } from '../../../shared/dto';
import type { JobConfig } from '../../../shared/jobs';
import { plural } from '../../../shared/plural';
import { APP_VERSION } from '../../engine/version';
import type { GlobalContext } from '../context';
import { callEngine } from '../engine-call';
import { CliError, EXIT } from '../exit-codes';
import { defaultDataDir } from '../../engine/paths';
import { SETTING_LABELS, settingText } from './settings';

/**
 * `esg-sync config export FILE` and `esg-sync config import FILE [--dry-run]`: an agent's
 * configuration (settings, connections, sources, mappings, jobs) as one JSON file, to move it to
 * another server. Secrets never leave the keychain: the file holds no client secret and no
 * database password, and the export says which to add again and how.
 *
 * The engine has no single export/import method, so both are made of the methods the UI uses
 * (each through callEngine: a running agent applies what is imported at once). Connections and
 * password-protected database sources are tested with their secret when they are added, so the
 * import cannot make them from the file: it prints the command that adds each one with its
 * secret, and finds them by name when it runs again. Everything else is added; what is already
 * here (by name) is left as it is.
 */

export const CONFIG_KIND = 'esg-sync-config';

const Name = z.string().min(1);

const ConnectionEntry = z.object({
  name: Name,
  kind: PlatformKind,
  baseUrl: z.string().min(1),
  authUrl: z.string().nullable().default(null),
  clientId: z.string().min(1),
  scopes: z.array(z.string()).default([]),
  userEmail: z.string().nullable().default(null),
});
type ConnectionEntry = z.infer<typeof ConnectionEntry>;

const SourceEntry = z.discriminatedUnion('kind', [
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
type SourceEntry = z.infer<typeof SourceEntry>;

const MappingEntry = z.object({ name: Name, source: Name, connection: Name, profile: z.record(z.string(), z.unknown()) });
type MappingEntry = z.infer<typeof MappingEntry>;

const JobEntry = z.object({
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
type JobEntry = z.infer<typeof JobEntry>;

export const ConfigFile = z.object({
  kind: z.literal(CONFIG_KIND),
  formatVersion: z.literal(1),
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

// ---------------------------------------------------------------- commands to add secrets again

/** A word for a POSIX shell: as it is when safe, else in single quotes. */
function sh(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `esg-sync`, with the data folder when it is not the default one, for commands printed to paste. */
export function cliFor(dataDir: string | null): string {
  return dataDir === null || resolve(dataDir) === resolve(defaultDataDir()) ? 'esg-sync' : `esg-sync --data-dir ${sh(resolve(dataDir))}`;
}

export function connectionAddCommand(c: ConnectionEntry, cli = 'esg-sync'): string {
  return [
    `printf %s "$CLIENT_SECRET" | ${cli} connection add`,
    `--kind ${sh(c.kind)}`,
    `--name ${sh(c.name)}`,
    `--base-url ${sh(c.baseUrl)}`,
    ...(c.authUrl ? [`--auth-url ${sh(c.authUrl)}`] : []),
    `--client-id ${sh(c.clientId)}`,
    ...(c.userEmail ? [`--user-email ${sh(c.userEmail)}`] : []),
    ...(c.scopes.length ? [`--scope ${c.scopes.map(sh).join(' ')}`] : []),
    '--client-secret-stdin',
  ].join(' ');
}

const DB_FLAGS: Record<string, string> = {
  file: '--file',
  host: '--host',
  port: '--port',
  database: '--database',
  user: '--user',
  schema: '--schema',
  table: '--table',
  query: '--query',
  watermarkColumn: '--watermark-column',
  watermarkLookbackSeconds: '--watermark-lookback',
  watermarkLookbackIds: '--watermark-lookback-ids',
  lockTimeoutSeconds: '--lock-timeout',
  ssl: '--ssl',
};

export function databaseAddCommand(s: Extract<SourceEntry, { kind: 'database' }>, cli = 'esg-sync'): string {
  const d = s.database;
  const flags = Object.entries(DB_FLAGS)
    .filter(([key]) => d[key] !== null && d[key] !== undefined && d[key] !== '')
    .map(([key, flag]) => `${flag} ${sh(String(d[key]))}`);
  return [`printf %s "$DB_PASSWORD" | ${cli} source add-database`, sh(s.name), `--kind ${sh(String(d.kind))}`, ...flags, '--password-stdin'].join(' ');
}

interface SecretToAdd {
  kind: 'connection' | 'source' | 'job';
  name: string;
  secret: 'client secret' | 'database password';
  /** Before the import (it finds the item by name) or after it. */
  when: 'before import' | 'after import';
  how: string;
}

function secretsOf(file: ConfigFile): SecretToAdd[] {
  return [
    ...file.connections.map((c): SecretToAdd => ({ kind: 'connection', name: c.name, secret: 'client secret', when: 'before import', how: connectionAddCommand(c) })),
    ...file.sources
      .filter((s): s is Extract<SourceEntry, { kind: 'database' }> => s.kind === 'database' && s.passwordInKeychain)
      .map((s): SecretToAdd => ({ kind: 'source', name: s.name, secret: 'database password', when: 'before import', how: databaseAddCommand(s) })),
    ...file.jobs
      .filter((j) => j.databasePasswordSaved)
      .map(
        (j): SecretToAdd => ({
          kind: 'job',
          name: j.name,
          secret: 'database password',
          when: 'after import',
          how: `open the job "${j.name}" on the Jobs page (the agent's address, from \`esg-sync agent\`), choose Edit and enter the destination database's password`,
        }),
      ),
  ];
}

function secretLines(secrets: SecretToAdd[]): string[] {
  const before = secrets.filter((s) => s.when === 'before import');
  const after = secrets.filter((s) => s.when === 'after import');
  return [
    'Secrets are never exported: the file holds no client secret and no database password.',
    ...(before.length
      ? [
          'On the new server, add these again with their secrets first (`config import` then finds them by name):',
          ...before.map((s) => `  ${s.kind} "${s.name}" (${s.secret}):\n    ${s.how}`),
        ]
      : []),
    ...(after.length ? ['After the import:', ...after.map((s) => `  ${s.kind} "${s.name}" (${s.secret}): ${s.how}.`)] : []),
    ...(before.length || after.length ? [] : ['Nothing here needs a secret added again.']),
  ];
}

// ---------------------------------------------------------------- export

const without = <T extends Record<string, unknown>>(o: T, ...keys: string[]): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));

async function exportConfig(dataDir: string): Promise<{ file: ConfigFile; leftOut: string[] }> {
  const settings = await callEngine(dataDir, 'settings.get', {});
  const connections = await callEngine(dataDir, 'connections.list', {});
  const sources = await callEngine(dataDir, 'sources.list', {});
  const mappings = await callEngine(dataDir, 'mappings.list', {});
  const jobs = await callEngine(dataDir, 'jobs.details', {});
  // The sandbox tour's items point at a stand-in platform on this computer: "Try it with the sandbox platform" makes them again.
  const leftOut: string[] = [];
  const connName = new Map(connections.filter((c) => !c.sandbox).map((c) => [c.id, c.name]));
  const sourceName = new Map(sources.filter((s) => !s.sandbox).map((s) => [s.id, s.name]));
  for (const c of connections) if (c.sandbox) leftOut.push(`connection "${c.name}"`);
  for (const s of sources) if (s.sandbox) leftOut.push(`source "${s.name}"`);

  const sourceEntries: SourceEntry[] = [];
  for (const s of sources) {
    if (s.sandbox) continue;
    const st = await callEngine(dataDir, 'sources.settings', { sourceId: s.id });
    sourceEntries.push(
      st.kind === 'folder'
        ? { kind: 'folder', name: s.name, paused: s.paused, folder: { ...st.folder } }
        : { kind: 'database', name: s.name, paused: s.paused, database: without(st.database, 'passwordInKeychain'), passwordInKeychain: st.database.passwordInKeychain },
    );
  }
  const mappingEntries: MappingEntry[] = [];
  const mappingName = new Map<string, string>();
  for (const m of mappings) {
    const source = m.sourceId ? sourceName.get(m.sourceId) : undefined;
    const connection = m.connectionId ? connName.get(m.connectionId) : undefined;
    if (!source || !connection) {
      leftOut.push(`mapping "${m.name}"`);
      continue;
    }
    const { profile } = await callEngine(dataDir, 'mappings.get', { mappingId: m.id });
    mappingName.set(m.id, m.name);
    mappingEntries.push({ name: m.name, source, connection, profile: profile as Record<string, unknown> });
  }
  const jobEntries: JobEntry[] = [];
  for (const j of jobs) {
    const connection = connName.get(j.connectionId);
    const source = j.sourceId ? sourceName.get(j.sourceId) : null;
    const mapping = j.mappingId ? mappingName.get(j.mappingId) : null;
    if (!connection || source === undefined || mapping === undefined) {
      leftOut.push(`job "${j.name}"`);
      continue;
    }
    jobEntries.push({
      name: j.name,
      type: j.type,
      connection,
      source,
      mapping,
      paused: j.paused,
      config: j.config as Record<string, unknown>,
      databasePasswordSaved: j.databasePasswordSaved,
    });
  }
  const file: ConfigFile = {
    kind: CONFIG_KIND,
    formatVersion: 1,
    exportedAt: new Date().toISOString(),
    appVersion: APP_VERSION,
    secrets: 'None: client secrets and database passwords stay in the keychain of the agent that exported this file.',
    // Whether the desktop app starts at login is this computer's choice, not the configuration's.
    settings: without(settings, 'startAtLogin'),
    connections: connections
      .filter((c) => !c.sandbox)
      .map((c) => ({ name: c.name, kind: c.kind, baseUrl: c.baseUrl, authUrl: c.authUrl, clientId: c.clientId, scopes: c.scopes, userEmail: c.userEmail ?? null })),
    sources: sourceEntries,
    mappings: mappingEntries,
    jobs: jobEntries,
  };
  return { file, leftOut };
}

/** A secret-looking key anywhere in the file would be a bug: refuse to write it rather than leak it. */
function assertNoSecrets(value: unknown, path = ''): void {
  if (Array.isArray(value)) return value.forEach((v, i) => assertNoSecrets(v, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (/^(password|clientSecret|client_secret|secret|token|accessToken|apiKey)$/i.test(k) && v !== null && v !== undefined && v !== false) {
        throw new CliError(`Refusing to write the export: ${path ? `${path}.` : ''}${k} looks like a secret, and secrets are never exported. Please report this.`);
      }
      assertNoSecrets(v, path ? `${path}.${k}` : k);
    }
  }
}

// ---------------------------------------------------------------- import

type Outcome = 'added' | 'would add' | 'already here' | 'not imported' | 'failed';

interface ItemResult {
  kind: 'connection' | 'source' | 'mapping' | 'job';
  name: string;
  outcome: Outcome;
  /** Why it was not imported, or what else to do (a password to enter again), in words. */
  note?: string;
  /** A command that adds it (with its secret). */
  command?: string;
}

async function readConfigFile(path: string): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(`Could not read ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'there is no such file' : (err as Error).message}.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new CliError(`${path} is not a configuration export: it is not valid JSON (${(err as Error).message}).`);
  }
  const kind = (json as { kind?: unknown } | null)?.kind;
  if (kind !== CONFIG_KIND) {
    const profile = typeof json === 'object' && json !== null && 'schemaVersion' in json;
    throw new CliError(
      `${path} is not a configuration export of esg-sync (made by \`esg-sync config export FILE\`).${profile ? ' It looks like a mapping profile: load it with `esg-sync mapping import FILE`.' : ''}`,
    );
  }
  const version = (json as { formatVersion?: unknown }).formatVersion;
  if (typeof version === 'number' && version > 1) throw new CliError(`${path} was exported by a newer version of ESG Sync Agent (format ${version}; this one reads format 1). Update this agent first.`);
  const parsed = ConfigFile.safeParse(json);
  if (!parsed.success) {
    const lines = parsed.error.issues.slice(0, 20).map((i) => `- ${describeFileIssue(i, json)}`);
    throw new CliError(`${path} is damaged or was edited into a form this agent cannot read:\n${lines.join('\n')}\nExport it again from the old agent, or correct these.`);
  }
  return parsed.data;
}

/** "jobs[2]" → 'the job "Nightly" (jobs entry 3)'; the setting's own words for settings. */
function describeFileIssue(issue: z.core.$ZodIssue, json: unknown): string {
  const [section, index, ...rest] = issue.path.map(String);
  const list = (json as Record<string, unknown>)[section ?? ''];
  const entry = Array.isArray(list) && index !== undefined ? (list[Number(index)] as { name?: unknown } | undefined) : undefined;
  const singular: Record<string, string> = { connections: 'connection', sources: 'source', mappings: 'mapping', jobs: 'job' };
  const what =
    section === 'settings'
      ? `The setting "${index ?? ''}"`
      : singular[section ?? ''] && index !== undefined
        ? `The ${singular[section!]} ${typeof entry?.name === 'string' ? `"${entry.name}"` : `number ${Number(index) + 1}`}${rest.length ? `, its "${rest.join('.')}"` : ''}`
        : `"${issue.path.join('.')}"`;
  const received = /received (\w+)/.exec(issue.message)?.[1];
  const problem =
    issue.code === 'invalid_type' && received === 'undefined'
      ? 'is missing'
      : issue.code === 'too_small' || issue.code === 'too_big'
        ? `is out of range (${issue.code === 'too_small' ? `at least ${String(issue.minimum)}` : `at most ${String(issue.maximum)}`})`
        : issue.code === 'invalid_value'
          ? `must be one of ${issue.values.map((v) => `"${String(v)}"`).join(', ')}`
          : issue.code === 'invalid_union'
            ? 'has a kind this agent does not know'
            : issue.code === 'invalid_type'
              ? `has the wrong kind of value (expected ${issue.expected === 'string' ? 'text' : issue.expected})`
              : 'is not valid';
  return `${what} ${problem}.`;
}

/** An engine call's failure as one line, for the summary (the whole import goes on). */
const failure = (err: unknown): string => (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ');

const pick = (o: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([k, v]) => keys.includes(k) && v !== null && v !== undefined));

async function importConfig(dataDir: string, file: ConfigFile, opts: { dryRun: boolean; force: boolean }) {
  const here = {
    settings: await callEngine(dataDir, 'settings.get', {}),
    connections: await callEngine(dataDir, 'connections.list', {}),
    sources: await callEngine(dataDir, 'sources.list', {}),
    mappings: await callEngine(dataDir, 'mappings.list', {}),
    jobs: await callEngine(dataDir, 'jobs.list', {}),
  };
  const items: ItemResult[] = [];
  const add = opts.dryRun ? 'would add' : 'added';

  // Settings: only what differs, in one update.
  const changes = (Object.keys(file.settings) as (keyof Settings)[]).filter((k) => k !== 'startAtLogin' && file.settings[k] !== undefined && file.settings[k] !== here.settings[k]);
  const patch = Object.fromEntries(changes.map((k) => [k, file.settings[k]])) as Partial<Settings>;
  const settingChanges = changes.map((k) => ({ key: k, from: here.settings[k], to: file.settings[k] }));
  let settingsError: string | null = null;
  if (changes.length && !opts.dryRun) {
    try {
      await callEngine(dataDir, 'settings.update', patch);
    } catch (err) {
      settingsError = failure(err);
    }
  }

  // Connections: found by name, or added by the person with the secret.
  const connIds = new Map<string, string>();
  for (const c of file.connections) {
    const found = here.connections.find((x) => x.name === c.name);
    if (found) {
      connIds.set(c.name, found.id);
      const differs = found.baseUrl !== c.baseUrl || found.clientId !== c.clientId;
      items.push({ kind: 'connection', name: c.name, outcome: 'already here', ...(differs ? { note: `here it points at ${found.baseUrl} with client ID ${found.clientId}; the file's (${c.baseUrl}, ${c.clientId}) was not applied` } : {}) });
    } else {
      items.push({
        kind: 'connection',
        name: c.name,
        outcome: 'not imported',
        note: 'its client secret is not in the file (secrets are never exported): add it with the secret, then run this import again',
        command: connectionAddCommand(c, cliFor(dataDir)),
      });
    }
  }
  const connectionFor = (name: string) => connIds.get(name) ?? here.connections.find((x) => x.name === name)?.id;

  // Sources.
  const sourceIds = new Map<string, string>();
  const plannedSources = new Set<string>();
  for (const s of file.sources) {
    const found = here.sources.find((x) => x.name === s.name);
    if (found) {
      sourceIds.set(s.name, found.id);
      items.push({ kind: 'source', name: s.name, outcome: 'already here' });
      continue;
    }
    if (s.kind === 'database' && s.passwordInKeychain) {
      items.push({
        kind: 'source',
        name: s.name,
        outcome: 'not imported',
        note: 'its database password is not in the file: add the source with it (it is tested first), then run this import again',
        command: databaseAddCommand(s, cliFor(dataDir)),
      });
      continue;
    }
    if (opts.dryRun) {
      plannedSources.add(s.name);
      items.push({ kind: 'source', name: s.name, outcome: add });
      continue;
    }
    try {
      const info =
        s.kind === 'folder'
          ? await callEngine(dataDir, 'sources.addFolder', { ...pick(s.folder, Object.keys(AddFolderParams.shape)), name: s.name } as z.input<typeof AddFolderParams>)
          : await callEngine(dataDir, 'sources.addDatabase', { ...pick(s.database, Object.keys(AddDatabaseParams.shape)), name: s.name } as z.input<typeof AddDatabaseParams>);
      if (s.paused) await callEngine(dataDir, 'sources.pause', { sourceId: info.id });
      sourceIds.set(s.name, info.id);
      items.push({ kind: 'source', name: s.name, outcome: add, ...(info.name !== s.name ? { note: `saved as "${info.name}"` } : {}) });
    } catch (err) {
      items.push({ kind: 'source', name: s.name, outcome: 'failed', note: failure(err) });
    }
  }
  const sourceReady = (name: string) => sourceIds.has(name) || plannedSources.has(name) || here.sources.some((x) => x.name === name);
  const sourceFor = (name: string) => sourceIds.get(name) ?? here.sources.find((x) => x.name === name)?.id;
  const missing = (what: string, name: string) => `its ${what} "${name}" is not here${file[`${what}s` as 'sources' | 'connections']?.some((x) => x.name === name) ? ' (see above)' : ' and not in the file'}`;

  // Mappings: bound to this agent's source and connection, checked against the platform by the engine.
  const mappingIds = new Map<string, string>();
  const plannedMappings = new Set<string>();
  for (const m of file.mappings) {
    const found = here.mappings.find((x) => x.name === m.name);
    if (found) {
      mappingIds.set(m.name, found.id);
      items.push({ kind: 'mapping', name: m.name, outcome: 'already here' });
      continue;
    }
    const connectionId = connectionFor(m.connection);
    if (!connectionId) {
      items.push({ kind: 'mapping', name: m.name, outcome: 'not imported', note: missing('connection', m.connection) });
      continue;
    }
    if (!sourceReady(m.source)) {
      items.push({ kind: 'mapping', name: m.name, outcome: 'not imported', note: missing('source', m.source) });
      continue;
    }
    if (opts.dryRun) {
      plannedMappings.add(m.name);
      items.push({ kind: 'mapping', name: m.name, outcome: add });
      continue;
    }
    try {
      const { id: _id, version: _version, createdAt: _c, updatedAt: _u, ...profile } = m.profile;
      const info = await callEngine(dataDir, 'mappings.save', { profile: { ...profile, name: m.name, sourceId: sourceFor(m.source), connectionId }, ...(opts.force ? { force: true } : {}) });
      mappingIds.set(m.name, info.id);
      items.push({ kind: 'mapping', name: m.name, outcome: add, ...(info.warnings?.length ? { note: `saved with warnings: ${info.warnings.join(' ')}` } : {}) });
    } catch (err) {
      items.push({ kind: 'mapping', name: m.name, outcome: 'failed', note: failure(err) });
    }
  }

  // Jobs.
  for (const j of file.jobs) {
    if (here.jobs.some((x) => x.name === j.name)) {
      items.push({ kind: 'job', name: j.name, outcome: 'already here' });
      continue;
    }
    const connectionId = connectionFor(j.connection);
    const blocked = !connectionId
      ? missing('connection', j.connection)
      : j.source && !sourceReady(j.source)
        ? missing('source', j.source)
        : j.mapping && !mappingIds.has(j.mapping) && !plannedMappings.has(j.mapping)
          ? `its mapping "${j.mapping}" is not here${file.mappings.some((x) => x.name === j.mapping) ? ' (see above)' : ' and not in the file'}`
          : null;
    if (blocked) {
      items.push({ kind: 'job', name: j.name, outcome: 'not imported', note: blocked });
      continue;
    }
    const passwordNote = j.databasePasswordSaved ? "its destination database's password is not in the file: enter it again with Edit on the Jobs page" : undefined;
    if (opts.dryRun) {
      items.push({ kind: 'job', name: j.name, outcome: add, ...(passwordNote ? { note: passwordNote } : {}) });
      continue;
    }
    try {
      const info = await callEngine(dataDir, 'jobs.add', {
        name: j.name,
        type: j.type,
        connectionId: connectionId!,
        sourceId: j.source ? (sourceFor(j.source) ?? null) : null,
        mappingId: j.mapping ? (mappingIds.get(j.mapping) ?? null) : null,
        config: j.config as z.input<typeof JobConfig>,
        // Its password is entered after the import (the note says so); the first run, or that edit, checks the table.
        checkDestination: !j.databasePasswordSaved,
      });
      if (j.paused) await callEngine(dataDir, 'jobs.pause', { jobId: info.id });
      items.push({ kind: 'job', name: j.name, outcome: add, ...(passwordNote ? { note: passwordNote } : {}) });
    } catch (err) {
      items.push({ kind: 'job', name: j.name, outcome: 'failed', note: failure(err) });
    }
  }
  return { settingChanges, settingsError, items };
}

function importSummary(r: Awaited<ReturnType<typeof importConfig>>, dryRun: boolean, path: string): string {
  const lines: string[] = [dryRun ? `Dry run of importing ${path}: nothing was changed.` : `Imported ${path}.`];
  const now = (k: keyof Settings, v: unknown) => settingText(k, { ...defaultSettings, [k]: v } as Settings);
  if (r.settingsError) lines.push(`Settings: not changed: ${r.settingsError}`);
  else if (r.settingChanges.length) {
    lines.push(`Settings ${dryRun ? 'that would change' : 'changed'}:`, ...r.settingChanges.map((c) => `  ${SETTING_LABELS[c.key]}: ${now(c.key, c.to)} (was ${now(c.key, c.from)})`));
  } else lines.push('Settings: already the same.');
  const group = (outcome: Outcome, title: string) => {
    const list = r.items.filter((i) => i.outcome === outcome);
    if (!list.length) return;
    lines.push(`${title} (${list.length}):`);
    for (const i of list) {
      lines.push(`  ${i.kind} "${i.name}"${i.note ? `: ${i.note}` : ''}`);
      if (i.command) lines.push(`      ${i.command}`);
    }
  };
  group(dryRun ? 'would add' : 'added', dryRun ? 'Would add' : 'Added');
  group('already here', 'Already here, left as they are');
  group('not imported', 'Not imported');
  group('failed', 'Failed');
  if (!r.items.length) lines.push('The file has no connections, sources, mappings or jobs.');
  const blocked = r.items.some((i) => i.outcome === 'not imported' || i.outcome === 'failed');
  if (blocked) lines.push(dryRun ? 'Add what is listed under "Not imported" first, then import.' : 'Correct what is listed above (add each connection with its secret), then run the same import again: what is already here is left as it is.');
  return lines.join('\n');
}

export function registerConfig(program: Command, ctx: () => GlobalContext): void {
  const config = program.command('config').description("export this agent's configuration to a file, or import one (to move to another server); secrets are never in it");

  config
    .command('export <file>')
    .description('write settings, connections, sources, mappings and jobs as JSON (no secrets: the output says which to add again and how)')
    .option('--force', 'replace the file if it exists')
    .action(async (target: string, o: { force?: boolean }) => {
      const { dataDir, out } = ctx();
      const path = resolve(target);
      if (existsSync(path) && !o.force) throw new CliError(`${path} already exists. Choose another file, or add --force to replace it.`);
      const { file, leftOut } = await exportConfig(dataDir);
      assertNoSecrets(file);
      try {
        // Host names, paths and client IDs are not secrets, but nobody else needs to read them.
        await writeFile(path, `${JSON.stringify(file, null, 2)}\n`, { encoding: 'utf8', mode: 0o600 });
      } catch (err) {
        throw new CliError(`Could not write ${path}: ${(err as Error).message}.`);
      }
      const secrets = secretsOf(file);
      const counts = { connections: file.connections.length, sources: file.sources.length, mappings: file.mappings.length, jobs: file.jobs.length };
      out.print({ file: path, ...counts, leftOut, secretsIncluded: false, secretsToAddAgain: secrets }, () =>
        [
          `Wrote ${path}: the settings, ${plural(counts.connections, 'connection')}, ${plural(counts.sources, 'source')}, ${plural(counts.mappings, 'mapping')} and ${plural(counts.jobs, 'job')}.`,
          ...(leftOut.length ? [`Left out (the sandbox tour's, made again by "Try it with the sandbox platform"): ${leftOut.join(', ')}.`] : []),
          ...secretLines(secrets),
          `Then, on the new server: esg-sync config import ${sh(path)} --dry-run (to see what it would do), and without --dry-run.`,
          'Where the agent there keeps its data elsewhere than the default folder, add --data-dir DIR after esg-sync in each command (the import prints its commands with it).',
        ].join('\n'),
      );
    });

  config
    .command('import <file>')
    .description('add the settings, sources, mappings and jobs of an export; what is already here (by name) is left as it is')
    .option('--dry-run', 'say what would be added, changed and left, and change nothing')
    .option('--force', "save mappings even when their metric ids, site ids or units do not fit the connection's platform")
    .addHelpText(
      'after',
      [
        '',
        'Connections and password-protected database sources are not in the file with their secrets, so they',
        'cannot be added from it: the import prints the command that adds each one with its secret. Add them,',
        'then run the import again: it finds them by name and adds the mappings and jobs that use them.',
        'Exit code: 0 when everything is here, 2 when something was (or, with --dry-run, would be) not imported (it says why).',
      ].join('\n'),
    )
    .action(async (target: string, o: { dryRun?: boolean; force?: boolean }) => {
      const { dataDir, out } = ctx();
      const path = resolve(target);
      const file = await readConfigFile(path);
      const r = await importConfig(dataDir, file, { dryRun: Boolean(o.dryRun), force: Boolean(o.force) });
      out.print(
        {
          file: path,
          dryRun: Boolean(o.dryRun),
          settings: { changed: Object.fromEntries(r.settingChanges.map((c) => [c.key, { from: c.from, to: c.to }])), error: r.settingsError },
          items: r.items,
          secretsToAddAgain: secretsOf(file).filter((s) => s.when === 'after import'),
        },
        () => importSummary(r, Boolean(o.dryRun), path),
      );
      const incomplete = r.settingsError !== null || r.items.some((i) => i.outcome === 'not imported' || i.outcome === 'failed');
      // A dry run is a check: a script learns from its exit code too that the import would be incomplete.
      if (incomplete) {
        const err = new CliError(o.dryRun ? 'Some of the configuration would not be imported (listed above).' : 'Some of the configuration was not imported (listed above).', EXIT.usage) as CliError & { silent?: boolean };
        // The summary said it all: no second message, only the exit code.
        err.silent = true;
        throw err;
      }
    });
}
