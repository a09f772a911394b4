import type { z } from 'zod';
import { AddDatabaseParams, AddFolderParams } from '../../../shared/contract/sources';
import type { ConfigFile, ConfigImportResult, ImportItem, JobEntry, SourceEntry } from '../../../shared/contract/config';
import type { Settings } from '../../../shared/dto';
import { JobConfig } from '../../../shared/jobs';
import { assertReadableDir } from '../sources/service';
import { ExportError } from '../sync/export/errors';
import { tableConnection } from '../sync/export/table-connection';
import { TableWriter } from '../sync/export/writers/table';
import { failure, type EngineCall } from './call';
import { cliFor, connectionAddCommand, databaseAddCommand, secretsOf } from './commands';

const pick = (o: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([k, v]) => keys.includes(k) && v !== null && v !== undefined));

/**
 * Adds what an export file has and this agent has not, through the methods the UI uses (so each
 * is checked as when it is added by hand). Connections and password-protected database sources
 * are tested with their secret when added, so they cannot come from the file: each is "not
 * imported" with the command that adds it, and found by name when the import runs again. What is
 * already here (by name) is left as it is. A dry run changes nothing and says what it would do.
 */
export async function importConfig(call: EngineCall, file: ConfigFile, opts: { dryRun: boolean; force: boolean; dataDir: string | null }): Promise<ConfigImportResult> {
  const here = {
    settings: await call('settings.get', {}),
    connections: await call('connections.list', {}),
    sources: await call('sources.list', {}),
    mappings: await call('mappings.list', {}),
    jobs: await call('jobs.list', {}),
  };
  const items: ImportItem[] = [];
  const add = opts.dryRun ? 'would add' : 'added';

  // Settings: only what differs, in one update.
  const changes = (Object.keys(file.settings) as (keyof Settings)[]).filter((k) => k !== 'startAtLogin' && file.settings[k] !== undefined && file.settings[k] !== here.settings[k]);
  const patch = Object.fromEntries(changes.map((k) => [k, file.settings[k]])) as Partial<Settings>;
  const settingChanges = changes.map((k) => ({ key: k, from: here.settings[k], to: file.settings[k] ?? null }));
  let settingsError: string | null = null;
  if (changes.length && !opts.dryRun) {
    try {
      await call('settings.update', patch);
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
        command: connectionAddCommand(c, cliFor(opts.dataDir)),
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
      // Left as it is, but a setting that differs is said, so moving servers does not drift quietly.
      const differs = await sourceDifferences(call, found.id, s);
      items.push({ kind: 'source', name: s.name, outcome: 'already here', ...(differs.length ? { note: `its settings here differ from the file's, which were not applied: ${differs.join('; ')}` } : {}) });
      continue;
    }
    if (s.kind === 'database' && s.passwordInKeychain) {
      items.push({
        kind: 'source',
        name: s.name,
        outcome: 'not imported',
        note: 'its database password is not in the file: add the source with it (it is tested first), then run this import again',
        command: databaseAddCommand(s, cliFor(opts.dataDir)),
      });
      continue;
    }
    if (opts.dryRun) {
      // What the import would refuse is said now: a watched folder this computer does not have.
      const problem = s.kind === 'folder' ? await folderProblem(s.folder) : null;
      if (problem) {
        items.push({ kind: 'source', name: s.name, outcome: 'not imported', note: `it would not be added: ${problem}` });
        continue;
      }
      plannedSources.add(s.name);
      items.push({ kind: 'source', name: s.name, outcome: add, detail: sourceDetail(s) });
      continue;
    }
    try {
      const info =
        s.kind === 'folder'
          ? await call('sources.addFolder', { ...pick(s.folder, Object.keys(AddFolderParams.shape)), name: s.name } as z.input<typeof AddFolderParams>)
          : await call('sources.addDatabase', { ...pick(s.database, Object.keys(AddDatabaseParams.shape)), name: s.name } as z.input<typeof AddDatabaseParams>);
      if (s.paused) await call('sources.pause', { sourceId: info.id });
      sourceIds.set(s.name, info.id);
      items.push({ kind: 'source', name: s.name, outcome: add, detail: sourceDetail(s), ...(info.name !== s.name ? { note: `saved as "${info.name}"` } : {}) });
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
      const info = await call('mappings.save', { profile: { ...profile, name: m.name, sourceId: sourceFor(m.source), connectionId }, ...(opts.force ? { force: true } : {}) });
      mappingIds.set(m.name, info.id);
      items.push({ kind: 'mapping', name: m.name, outcome: add, ...(info.warnings?.length ? { note: `saved with warnings: ${info.warnings.join(' ')}` } : {}) });
    } catch (err) {
      items.push({ kind: 'mapping', name: m.name, outcome: 'failed', note: failure(err) });
    }
  }

  // Jobs.
  for (const j of file.jobs) {
    const existing = here.jobs.find((x) => x.name === j.name);
    if (existing) {
      // Added by an earlier pass of this import: its destination password may still be to enter.
      const stillNoPassword = j.databasePasswordSaved && !(await call('jobs.get', { jobId: existing.id }).then((d) => d.databasePasswordSaved, () => true));
      items.push({ kind: 'job', name: j.name, outcome: 'already here', ...(stillNoPassword ? { note: "its destination database's password is not entered yet: enter it with Edit on the Jobs page" } : {}) });
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
      // The table an export job writes to is opened as the import will (unless its password comes after).
      const problem = j.databasePasswordSaved ? null : await destinationProblem(j.config);
      if (problem) {
        items.push({ kind: 'job', name: j.name, outcome: 'not imported', note: `it would not be added: ${problem}` });
        continue;
      }
      items.push({ kind: 'job', name: j.name, outcome: add, detail: jobDetail(j), ...(passwordNote ? { note: passwordNote } : {}) });
      continue;
    }
    try {
      const info = await call('jobs.add', {
        name: j.name,
        type: j.type,
        connectionId: connectionId!,
        sourceId: j.source ? (sourceFor(j.source) ?? null) : null,
        mappingId: j.mapping ? (mappingIds.get(j.mapping) ?? null) : null,
        config: j.config as z.input<typeof JobConfig>,
        // Its password is entered after the import (the note says so); the first run, or that edit, checks the table.
        checkDestination: !j.databasePasswordSaved,
      });
      if (j.paused) await call('jobs.pause', { jobId: info.id });
      items.push({ kind: 'job', name: j.name, outcome: add, detail: jobDetail(j), ...(passwordNote ? { note: passwordNote } : {}) });
    } catch (err) {
      items.push({ kind: 'job', name: j.name, outcome: 'failed', note: failure(err) });
    }
  }
  return { dryRun: opts.dryRun, settingChanges, settingsError, items, secretsToAddAgain: secretsOf(file) };
}

/** The settings of a source here that differ from the file's entry for it, as "name: here → in the file". */
async function sourceDifferences(call: EngineCall, sourceId: string, entry: SourceEntry): Promise<string[]> {
  const here = await call('sources.settings', { sourceId }).catch(() => null);
  if (!here || here.kind !== entry.kind) return here ? [`kind: ${here.kind} here, ${entry.kind} in the file`] : [];
  const mine: Record<string, unknown> = here.kind === 'folder' ? { ...here.folder } : { ...here.database };
  const theirs: Record<string, unknown> = entry.kind === 'folder' ? entry.folder : entry.database;
  const shown = (v: unknown) => (v === undefined || v === null || v === '' ? '(none)' : typeof v === 'string' ? v : JSON.stringify(v));
  return Object.keys({ ...mine, ...theirs })
    .filter((k) => k !== 'passwordInKeychain' && JSON.stringify(mine[k] ?? null) !== JSON.stringify(theirs[k] ?? null))
    .map((k) => `${k} ${shown(mine[k])} here, ${shown(theirs[k])} in the file`);
}

/** Why a folder source could not be added on this computer, or null. */
async function folderProblem(folder: Record<string, unknown>): Promise<string | null> {
  if (typeof folder.path !== 'string') return null;
  return assertReadableDir(folder.path).then(
    () => null,
    (err: unknown) => (err instanceof Error ? err.message : String(err)),
  );
}

/** Why an export job's table could not be opened from this computer, or null (as jobs.add checks it). */
async function destinationProblem(config: Record<string, unknown>): Promise<string | null> {
  const parsed = JobConfig.safeParse(config);
  const d = parsed.success ? parsed.data.export?.destination : undefined;
  if (d?.kind !== 'database') return null;
  return TableWriter.check(tableConnection(d, undefined), { table: d.table, keyColumns: d.keyColumns, fix: ' in the job', rowsAllowed: true }).then(
    () => null,
    (err: unknown) => (err instanceof ExportError ? err.message : String(err)),
  );
}

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim() : null);
const clip = (v: string, max = 160) => (v.length > max ? `${v.slice(0, max)}…` : v);

/** Where a source to be added reads from, in the file's own words. */
function sourceDetail(s: SourceEntry): string {
  if (s.kind === 'folder') {
    const f = s.folder;
    const include = Array.isArray(f.include) && f.include.length ? ` (${f.include.map(String).join(', ')})` : '';
    return `watches the folder ${text(f.path) ?? '(no path)'}${include}${f.recursive === true ? ' and its subfolders' : ''}`;
  }
  const d = s.database;
  const where = d.kind === 'sqlite' ? `the SQLite file ${text(d.file) ?? '(no file)'}` : `${d.kind === 'mysql' ? 'MariaDB/MySQL' : 'PostgreSQL'} database "${text(d.database) ?? ''}" on ${text(d.host) ?? '127.0.0.1'}${d.port ? `:${String(d.port)}` : ''} as user "${text(d.user) ?? ''}"`;
  const query = text(d.query);
  return `reads ${where}: ${query ? `the query ${clip(query.replace(/\s+/g, ' '))}` : `the table ${text(d.schema) ? `${text(d.schema)}.` : ''}${text(d.table) ?? ''}`}`;
}

/** When a job to be added runs and, for an export, where it writes. */
function jobDetail(j: JobEntry): string {
  const c = j.config;
  const schedule = text(c.schedule);
  const when = [schedule ? `on the schedule "${schedule}"${text(c.timezone) ? ` (${text(c.timezone)})` : ''}` : null, j.type === 'ingest' && c.onFileArrival !== false && j.source ? 'when a file arrives' : null].filter(Boolean);
  const runs = when.length ? `runs ${when.join(' and ')}` : 'runs only by hand';
  const x = c.export as { dataset?: unknown; destination?: Record<string, unknown> } | undefined;
  if (j.type !== 'export' || !x?.destination) return `${runs}${j.paused ? ' (paused in the file)' : ''}`;
  const d = x.destination;
  const to = d.kind === 'folder' ? `files in ${text(d.path) ?? '(no folder)'}` : `the table ${text(d.table) ?? ''} in ${d.database === 'sqlite' ? `the SQLite file ${text(d.file) ?? ''}` : `"${text(d.name) ?? ''}" on ${text(d.host) ?? '127.0.0.1'}`}`;
  return `${runs}${j.paused ? ' (paused in the file)' : ''}; writes ${text(x.dataset) ?? 'platform data'} to ${to}`;
}
