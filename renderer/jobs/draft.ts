/**
 * The job form's state and its two conversions: from a saved job (jobs.get) to what the form
 * edits, and from the form to the params of jobs.add / jobs.update. Pure, so the rules a person
 * meets in the form are unit-tested; the engine checks the same things again on save.
 */
import type { Params } from '../../shared/api';
import type { JobDetail } from '../../shared/contract/jobs';
import { patternWithExt, type CsvStyle, type JobCatchUp } from '../../shared/jobs';
import { clockParts } from '../../shared/clock-parts';
import { fromCron, presetProblem, toCron, type Preset } from './schedule';

export type ExportFormat = 'csv' | 'xlsx' | 'json' | 'ndjson';
export type DatabaseKind = 'sqlite' | 'postgres' | 'mysql';

export interface JobDraft {
  name: string;
  type: 'ingest' | 'export';
  connectionId: string;
  sourceId: string;
  mappingId: string;
  schedule: Preset;
  timezone: string;
  /** Missed scheduled runs; kept while the schedule is "none" so choosing one again restores it. */
  catchUp: JobCatchUp;
  onFileArrival: boolean;
  ingest: {
    mirror: boolean;
    /** Percent of the ledger a mirror run may delete before it stops and asks (0–100). */
    maxDeletePercent: string;
    rejectPolicy: 'send-valid' | 'all-or-nothing';
    /** Values on the platform this agent did not send are replaced with this job's. */
    replaceExisting: boolean;
    batchSize: string;
    afterRun: 'move' | 'leave' | 'delete';
    /** File-upload platforms (Altruistiq): the datasource each run's file is uploaded to. */
    datasourceId: string;
  };
  export: {
    dataset: string;
    destination: 'folder' | 'database';
    folder: string;
    format: ExportFormat;
    fileName: string;
    /** CSV files only. */
    csvStyle: CsvStyle;
    database: DatabaseKind;
    file: string;
    host: string;
    port: string;
    dbName: string;
    user: string;
    /** Write-only: empty keeps the saved password. */
    password: string;
    table: string;
    keyColumns: string;
    nested: 'json' | 'columns';
    contents: 'changes' | 'everything';
  };
  /**
   * Saved settings this form does not edit (newer engine fields), carried through an edit
   * unchanged so saving the form never erases them.
   */
  preserved: { ingest: Record<string, unknown>; export: Record<string, unknown> };
}

export const DEFAULT_FILE_NAME = '{dataset}-{yyyy}{mm}{dd}-{hh}{MM}{ss}';

export function emptyDraft(timezone: string): JobDraft {
  return {
    name: '',
    type: 'ingest',
    connectionId: '',
    sourceId: '',
    mappingId: '',
    schedule: { kind: 'daily', time: '06:00' },
    timezone,
    catchUp: 'default',
    onFileArrival: true,
    ingest: { mirror: false, maxDeletePercent: '50', rejectPolicy: 'send-valid', replaceExisting: false, batchSize: '500', afterRun: 'move', datasourceId: '' },
    export: {
      dataset: '',
      destination: 'folder',
      folder: '',
      format: 'csv',
      fileName: DEFAULT_FILE_NAME,
      csvStyle: 'comma',
      database: 'postgres',
      file: '',
      host: '127.0.0.1',
      port: '',
      dbName: '',
      user: '',
      password: '',
      table: '',
      keyColumns: 'id',
      nested: 'json',
      contents: 'changes',
    },
    preserved: { ingest: {}, export: {} },
  };
}

/** The form for an existing job: every saved setting, the password left blank (write-only). */
export function draftFromJob(job: JobDetail): JobDraft {
  const d = emptyDraft(job.config.timezone);
  const c = job.config;
  const draft: JobDraft = {
    ...d,
    name: job.name,
    type: job.type,
    connectionId: job.connectionId,
    sourceId: job.sourceId ?? '',
    mappingId: job.mappingId ?? '',
    schedule: fromCron(c.schedule),
    catchUp: c.catchUp,
    onFileArrival: c.onFileArrival,
  };
  if (c.ingest) {
    const { mirror, maxDeleteShare, rejectPolicy, replaceExisting, batchSize, afterRun, datasourceId, ...rest } = c.ingest as typeof c.ingest & { datasourceId?: string };
    draft.ingest = { mirror, maxDeletePercent: String(Math.round(maxDeleteShare * 100)), rejectPolicy, replaceExisting, batchSize: String(batchSize), afterRun, datasourceId: datasourceId ?? '' };
    draft.preserved = { ...draft.preserved, ingest: rest };
  }
  if (c.export) {
    const { dataset: _d, destination: _t, nested: _n, contents: _c, ...rest } = c.export;
    draft.preserved = { ...draft.preserved, export: rest };
    const dest = c.export.destination;
    draft.export = { ...d.export, dataset: c.export.dataset, nested: c.export.nested, contents: c.export.contents, destination: dest.kind };
    if (dest.kind === 'folder') Object.assign(draft.export, { folder: dest.path, format: dest.format, fileName: dest.fileName, csvStyle: dest.csvStyle ?? 'comma' });
    else
      Object.assign(draft.export, {
        database: dest.database,
        file: dest.file ?? '',
        host: dest.host ?? '127.0.0.1',
        port: dest.port ? String(dest.port) : '',
        dbName: dest.name ?? '',
        user: dest.user ?? '',
        table: dest.table,
        keyColumns: dest.keyColumns.join(', '),
      });
  }
  return draft;
}

export type DraftErrors = Partial<Record<
  'name' | 'connectionId' | 'sourceId' | 'mappingId' | 'datasourceId' | 'schedule' | 'timezone' | 'maxDeletePercent' | 'batchSize' | 'dataset' | 'folder' | 'fileName' | 'file' | 'dbName' | 'user' | 'port' | 'table' | 'keyColumns',
  string
>>;

/** Looks like a full path on Windows (C:\…, \\server\…) or POSIX (/…). */
export const isFullPath = (p: string) => /^(\/|[A-Za-z]:[\\/]|\\\\)/.test(p.trim());

function wholeNumber(raw: string, min: number, max: number): number | null {
  if (!/^\d+$/.test(raw.trim())) return null;
  const n = Number(raw.trim());
  return n >= min && n <= max ? n : null;
}

/** What is missing or wrong, by field, in words a person can act on. Empty = ready to save. */
export function validateDraft(d: JobDraft, opts: { sourceKind?: 'folder' | 'database' | null; connectionKind?: string | null } = {}): DraftErrors {
  const e: DraftErrors = {};
  if (!d.name.trim()) e.name = 'Give the job a name, e.g. “Electricity to platform”.';
  else if (d.name.trim().length > 120) e.name = 'Keep the name under 120 characters.';
  if (!d.connectionId) e.connectionId = 'Choose the platform connection.';
  const scheduleProblem = presetProblem(d.schedule);
  if (scheduleProblem) e.schedule = scheduleProblem;
  if (!d.timezone) e.timezone = 'Choose a time zone.';
  if (d.type === 'ingest') {
    if (!d.sourceId) e.sourceId = 'Choose the folder or database the job reads.';
    if (!d.mappingId) e.mappingId = 'Choose the mapping that turns its rows into platform values.';
    if (d.schedule.kind === 'none' && !(opts.sourceKind === 'folder' && d.onFileArrival)) {
      e.schedule = 'Without a schedule this job would only run by hand. Pick a schedule, or (for a folder) run it when a file arrives.';
    }
    if (d.ingest.mirror && wholeNumber(d.ingest.maxDeletePercent, 0, 100) === null) e.maxDeletePercent = 'A whole percentage from 0 to 100.';
    if (wholeNumber(d.ingest.batchSize, 1, 1000) === null) e.batchSize = 'A whole number of values per request, from 1 to 1000.';
    if (opts.connectionKind === 'altruistiq') {
      const id = d.ingest.datasourceId.trim();
      if (!id) e.datasourceId = 'Altruistiq takes files uploaded to a datasource: give the id of the datasource to upload to.';
      else if (!/^[^/?#\s]+$/.test(id) || id.length > 200) e.datasourceId = 'A datasource id is one path segment: no slashes, spaces, ? or #.';
    }
  } else {
    const x = d.export;
    if (!x.dataset) e.dataset = 'Choose what to export.';
    if (x.destination === 'folder') {
      if (!x.folder.trim()) e.folder = 'Give the folder the files are written to.';
      else if (!isFullPath(x.folder)) e.folder = 'Give the full path from the root, e.g. /srv/exports or C:\\Exports.';
      if (!x.fileName.trim()) e.fileName = 'Give a file name pattern, e.g. {dataset}-{yyyy}{mm}{dd}.';
      else {
        const preview = fileNamePreview(x.fileName.trim(), { dataset: x.dataset, job: d.name, format: x.format, now: new Date() });
        if ('problem' in preview) e.fileName = preview.problem;
      }
    } else {
      if (x.database === 'sqlite') {
        if (!isFullPath(x.file)) e.file = 'Give the full path of the SQLite database file.';
      } else {
        if (!x.dbName.trim()) e.dbName = 'Give the database name.';
        if (!x.user.trim()) e.user = 'Give the user the agent signs in as.';
        if (x.port.trim() && wholeNumber(x.port, 1, 65535) === null) e.port = 'A port number from 1 to 65535, or empty for the default.';
      }
      if (!x.table.trim()) e.table = 'Give the table to write to (it is created if missing).';
      else if (x.database === 'sqlite' && x.table.includes('.')) e.table = 'SQLite has no schemas: give the table name without a dot (at most 63 characters).';
      // The agent quotes names, so spaces and capitals are fine ("ESG Report Table", as the CLI
      // takes it); the server's own checks run when the job is saved.
      else if (!x.table.trim().split('.').every((part, i, parts) => parts.length <= 2 && part.length > 0 && part === part.trim() && part.length <= 63)) {
        e.table = `Give the table name (at most 63 characters), optionally after a ${x.database === 'mysql' ? 'database' : 'schema'} name and one dot, e.g. ${x.database === 'mysql' ? 'reporting' : 'analytics'}.submissions, with no space next to the dot.`;
      }
      const keys = x.keyColumns.split(',').map((k) => k.trim()).filter(Boolean);
      if (!keys.length) e.keyColumns = 'Give at least one key column (rows are upserted by it), usually id.';
    }
  }
  return e;
}

type JobParams = Omit<Params<'jobs.add'>, never>;

/** The params of jobs.add (and, with jobId, jobs.update) for a valid draft. */
export function draftToParams(d: JobDraft): JobParams {
  const base = {
    name: d.name.trim(),
    type: d.type,
    connectionId: d.connectionId,
    sourceId: d.type === 'ingest' ? d.sourceId || null : null,
    mappingId: d.type === 'ingest' ? d.mappingId || null : null,
  };
  const schedule = toCron(d.schedule);
  if (d.type === 'ingest') {
    return {
      ...base,
      config: {
        schedule,
        timezone: d.timezone,
        catchUp: d.catchUp,
        onFileArrival: d.onFileArrival,
        ingest: {
          ...d.preserved.ingest,
          ...(d.ingest.datasourceId.trim() ? { datasourceId: d.ingest.datasourceId.trim() } : {}),
          mirror: d.ingest.mirror,
          maxDeleteShare: Number(d.ingest.maxDeletePercent) / 100,
          rejectPolicy: d.ingest.rejectPolicy,
          replaceExisting: d.ingest.replaceExisting,
          batchSize: Number(d.ingest.batchSize),
          afterRun: d.ingest.afterRun,
        },
      },
    };
  }
  const x = d.export;
  const destination =
    x.destination === 'folder'
      ? // The CSV layout is kept while another format is chosen, so switching back to CSV finds it.
        { kind: 'folder' as const, path: x.folder.trim(), format: x.format, fileName: x.fileName.trim(), ...(x.csvStyle !== 'comma' ? { csvStyle: x.csvStyle } : {}) }
      : {
          kind: 'database' as const,
          database: x.database,
          ...(x.database === 'sqlite'
            ? { file: x.file.trim() }
            : { host: x.host.trim() || '127.0.0.1', ...(x.port.trim() ? { port: Number(x.port) } : {}), name: x.dbName.trim(), user: x.user.trim() }),
          table: x.table.trim(),
          keyColumns: x.keyColumns.split(',').map((k) => k.trim()).filter(Boolean),
        };
  return {
    ...base,
    config: { schedule, timezone: d.timezone, catchUp: d.catchUp, onFileArrival: false, export: { ...d.preserved.export, dataset: x.dataset, destination, nested: x.nested, contents: x.contents } },
    ...(x.destination === 'database' && x.database !== 'sqlite' && x.password ? { databasePassword: x.password } : {}),
  };
}

export const FILE_TOKENS = ['dataset', 'job', 'date', 'time', 'yyyy', 'mm', 'dd', 'hh', 'MM', 'ss', 'ext'] as const;
const EXT: Record<ExportFormat, string> = { csv: 'csv', xlsx: 'xlsx', json: 'json', ndjson: 'ndjson' };

/**
 * The file name an export would write now, as the engine expands it (an {ext} is added when the
 * pattern has none), or the problem with the pattern.
 */
export function fileNamePreview(pattern: string, values: { dataset: string; job: string; format: ExportFormat; now: Date; timeZone?: string }): { name: string } | { problem: string } {
  const unknown = [...pattern.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]!).filter((t) => !(FILE_TOKENS as readonly string[]).includes(t));
  if (unknown.length) return { problem: `Unknown token {${unknown[0]}}. Use ${FILE_TOKENS.map((t) => `{${t}}`).join(' ')}.` };
  if (/[\\/]/.test(pattern) || pattern.includes('..')) return { problem: 'A file name cannot contain /, \\ or “..”.' };
  if (/[<>:"|?*]/.test(pattern)) return { problem: 'A file name cannot contain < > : " | ? or *.' };
  // As the run names it: in the job's time zone.
  const parts = clockParts(values.now, values.timeZone);
  const safe = (v: string) => v.replace(/[\\/<>:"|?*]/g, '_').replace(/\.{2,}/g, '_').replace(/^\.+/, '') || '_';
  const map: Record<string, string> = {
    ...parts,
    date: `${parts.yyyy}-${parts.mm}-${parts.dd}`,
    time: `${parts.hh}${parts.MM}${parts.ss}`,
    dataset: safe(values.dataset || 'dataset'),
    job: safe(values.job || 'export'),
    ext: EXT[values.format],
  };
  const full = patternWithExt(pattern, values.format);
  return { name: full.replace(/\{([^{}]*)\}/g, (_m, t: string) => map[t]!) };
}
