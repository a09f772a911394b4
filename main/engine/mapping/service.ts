/**
 * Mapping profiles as the wizard and CLI use them: suggest one from a source's sample and the
 * platform's library, preview it through the real pipeline, save versions, read, export and
 * remove them. The platform catalogue is fetched through the connection's own adapter.
 */
import { lstat, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { MappingInfo } from '../../../shared/dto';
import type { Entity, Metric, SourceRow } from '../../../shared/domain';
import { detectDrift, parseProfile, ProfileError, renamedValueUnit, serialiseProfile, type MappingProfile, type MappingProfileInput, type ReadOptions } from '../../../shared/mapping';
import { uniqueId } from '../connections/ids';
import type { ConnectionService } from '../connections';
import { createAdapter as defaultCreateAdapter, type ClosableAdapter, type CreateAdapterOptions } from '../platforms/factory';
import type { ConnectionConfig, PlatformAdapter } from '../platforms/types';
import { SourceFileError } from '../sources/errors';
import { openReader, sampleFile, type OpenReaderOptions } from '../sources/readers';
import { makeFileFilter } from '../sources/folder/filters';
import { patternsOf, readerOptions, SourceServiceError, type SourceService, type SourceSample } from '../sources/service';
import type { MappingRecord, SourceRecord, Store } from '../store';
import { systemClock, type Clock } from '../store/clock';
import { previewMapping, type PreviewResult } from './preview';
import { profileColumns, type ColumnProfile } from './profiler';
import { profileErrorInWords } from './profile-words';
import { SampleError, type SampleStore } from './samples';
import { draftDayPeriods, setAsideWatermark, draftProfile, suggestMapping, type MappingSuggestion } from './suggest';
import { csvTopRows, xlsxTopRows, type TopRow } from './top-rows';

export type MappingServiceErrorCode = 'not_found' | 'conflict' | 'in_use' | 'invalid';

export class MappingServiceError extends Error {
  override readonly name = 'MappingServiceError';
  constructor(
    readonly code: MappingServiceErrorCode,
    message: string,
    /** For an invalid profile: each problem as "path: message". */
    readonly issues: string[] = [],
  ) {
    super(message);
  }
}

/**
 * A file platform (it takes uploads, not records) that lists no metrics has no library to check
 * a metric against: the mapping's metric names are sent as written. A record platform with an
 * empty list still has a library, just one this account cannot see, so its metrics stay checked.
 */
export function takesFreeMetrics(adapter: Pick<PlatformAdapter, 'uploadFile' | 'ingestRecords'>, metrics: readonly Metric[]): boolean {
  return typeof adapter.uploadFile === 'function' && typeof adapter.ingestRecords !== 'function' && metrics.length === 0;
}

export interface CatalogueView {
  metrics: Metric[];
  entities: Entity[];
  /** The platform takes files and has no metric library: the wizard takes metric names as typed. */
  freeMetrics: boolean;
}

export interface SuggestResult {
  sample: SourceSample;
  /** The file's first rows as they stand, to choose the header row from; empty for JSON and databases. */
  topRows: TopRow[];
  profiles: ColumnProfile[];
  suggestion: MappingSuggestion;
  draft: MappingProfileInput;
}

export interface MappingServiceDeps {
  store: Store;
  sources: SourceService;
  connections: Pick<ConnectionService, 'config' | 'get'>;
  clock?: Clock;
  logger?: Logger;
  createAdapter?: (config: ConnectionConfig, opts: CreateAdapterOptions) => ClosableAdapter;
  /** Where files dropped on the wizard are kept; without it, only the source's own files are samples. */
  samples?: SampleStore;
}

/** Which rows a suggestion or preview reads: a file of the folder, a dropped sample, or the database. */
export interface SampleChoice {
  file?: string;
  /** Id of a file dropped on the wizard (see SampleStore). */
  upload?: string;
}

/** What changed between a run's file and the mapping it was read with. */
export interface DriftReport {
  runId: number;
  mappingId: string;
  mappingName: string;
  mappingVersion: number;
  sourceId: string;
  /** A database source has no file: its job's next run reads the rows again. */
  sourceKind: 'folder' | 'database';
  file: string;
  /** The file is still where the run found it, so it can be read again after the mapping is updated. */
  fileAvailable: boolean;
  missing: string[];
  added: string[];
  /** `unit`: the unit the new name makes the mapping read the values in, when it does (renamedValueUnit). */
  renamed: { from: string; to: string; similarity: number; unit: { from: string | null; to: string } | null }[];
  reordered: boolean;
  /** Columns the mapping reads that are missing or renamed. */
  affectsMapping: string[];
  hasDrift: boolean;
  /** The file's header as read now. */
  headers: string[];
}

/** Rows a preview reads at most: enough to see duplicates and rejections, quick on a large file. */
export const PREVIEW_MAX_ROWS = 10_000;

export class MappingService {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly make: (config: ConnectionConfig, opts: CreateAdapterOptions) => ClosableAdapter;

  constructor(private readonly deps: MappingServiceDeps) {
    this.store = deps.store;
    this.clock = deps.clock ?? systemClock;
    this.make = deps.createAdapter ?? defaultCreateAdapter;
  }

  info(m: MappingRecord): MappingInfo {
    return { id: m.id, name: m.name, version: m.version, sourceId: m.sourceId, connectionId: m.connectionId, updatedAt: m.updatedAt };
  }

  list(): MappingInfo[] {
    return this.store.mappings.list().map((m) => this.info(m));
  }

  get(idOrName: string): { info: MappingInfo; profile: MappingProfile } {
    const m = this.record(idOrName);
    return { info: this.info(m), profile: parseProfile(m.profile) };
  }

  /** The platform's metric library and entities, as the service account sees them. */
  async catalogue(connectionIdOrName: string): Promise<CatalogueView> {
    const config = await this.deps.connections.config(connectionIdOrName);
    const adapter = this.make(config, { logger: this.deps.logger, platform: config.options });
    try {
      const [metrics, entities] = await Promise.all([adapter.listMetrics(), adapter.listEntities()]);
      return { metrics, entities, freeMetrics: takesFreeMetrics(adapter, metrics) };
    } finally {
      await adapter.close().catch(() => undefined);
    }
  }

  async suggest(input: SampleChoice & { sourceId: string; connectionId: string; read?: ReadOptions; sampleRows?: number }): Promise<SuggestResult> {
    const source = this.deps.sources.get(input.sourceId);
    const connection = this.deps.connections.get(input.connectionId);
    const { sample, topRows } = await this.sample(source, input, input.read ?? {}, input.sampleRows ?? 200);
    const catalogue = await this.catalogue(connection.id);
    const headers = sample.info.headers;
    const profiles = profileColumns(headers, sample.rows);
    const suggestion = suggestMapping({ headers, profiles, metrics: catalogue.metrics, entities: catalogue.entities });
    if (source.kind === 'database' && typeof source.config.watermarkColumn === 'string') setAsideWatermark(suggestion, source.config.watermarkColumn, profiles);
    const draft = draftProfile(suggestion, {
      name: this.freeName(`${source.name} to ${connection.name}`),
      sourceId: source.id,
      connectionId: connection.id,
      headers,
      profiles,
    });
    if (input.read && (input.read.headerRow !== undefined || input.read.headerRows !== undefined || input.read.sheet !== undefined)) draft.read = { ...input.read };
    const perDay = draftDayPeriods(draft, sample.rows);
    if (perDay) suggestion.warnings.push(perDay);
    return { sample, topRows, suggestion, profiles, draft };
  }

  /**
   * The sample a suggestion starts from. A database gives its first rows; a folder its chosen
   * (or newest) file, or a file dropped on the wizard, read with the source's settings and the
   * header row and sheet the person chose.
   */
  private async sample(source: SourceRecord, choice: SampleChoice, read: ReadOptions, limit: number): Promise<{ sample: SourceSample; topRows: TopRow[] }> {
    if (source.kind === 'database') {
      if (choice.upload) throw new MappingServiceError('invalid', `"${source.name}" is a database source: its sample comes from its table or query, not from a dropped file.`);
      return { sample: await this.deps.sources.sample(source.id, { limit }), topRows: [] };
    }
    const path = await this.samplePath(source, choice);
    const opts: OpenReaderOptions = { ...readerOptions(source), ...read };
    try {
      const r = await sampleFile(path, limit, opts);
      const sample: SourceSample = {
        file: path,
        info: {
          format: r.info.format,
          encoding: r.info.encoding ?? null,
          delimiter: r.info.delimiter ?? null,
          headerRow: r.info.headerRow,
          ...(r.info.headerRows ? { headerRows: r.info.headerRows } : {}),
          headers: r.info.headers,
          warnings: r.info.warnings,
          sheet: r.info.sheet ?? null,
          sheets: r.info.sheets ?? null,
        },
        rows: r.rows,
        truncated: r.truncated,
      };
      let topRows: TopRow[] = [];
      if (r.info.format === 'csv') topRows = await csvTopRows(path, { encoding: opts.encoding, delimiter: r.info.delimiter });
      else if (r.info.format === 'xlsx' && r.info.sheet) topRows = await xlsxTopRows(path, r.info.sheet);
      return { sample, topRows };
    } catch (err) {
      if (err instanceof SourceFileError) throw new MappingServiceError('invalid', err.message);
      throw err;
    }
  }

  private async samplePath(source: SourceRecord, choice: SampleChoice): Promise<string> {
    if (!choice.upload && choice.file) return this.deps.sources.fileOf(source, choice.file);
    if (!choice.upload) return this.newestSample(source);
    if (!this.deps.samples) throw new MappingServiceError('invalid', 'Dropped samples are not available here; choose a file in the source folder instead.');
    try {
      return await this.deps.samples.path(choice.upload);
    } catch (err) {
      if (err instanceof SampleError) throw new MappingServiceError(err.code === 'not_found' ? 'not_found' : 'invalid', err.message);
      throw err;
    }
  }

  /**
   * The newest file the folder's patterns match. A folder whose files were all synced and moved
   * to processed/ (its usual state after a run) gives the newest matching file there instead: it
   * is only read. Dropping a file into the watched folder would start a sync, so the advice when
   * there is none is to choose a sample file.
   */
  private async newestSample(source: SourceRecord): Promise<string> {
    if ((await this.deps.sources.matchingFiles(source)).length) return this.deps.sources.fileOf(source);
    const root = String(source.config.path);
    try {
      await stat(root);
    } catch {
      // Not reachable: the source service says so in its own words.
      return this.deps.sources.fileOf(source);
    }
    const synced = await processedFiles(source);
    if (synced[0]) return this.deps.sources.fileOf(source, synced[0]);
    throw new SourceServiceError(
      'source',
      `The folder ${root} has no file matching ${patternsOf(source).join(', ')}, and none synced from it is in its processed/ subfolder. Choose a sample file to read instead: it is only read, never synced.`,
    );
  }

  /** Reader settings for a profile's source: the source's own, then what the wizard chose. */
  readOptions(source: SourceRecord, profile: Pick<MappingProfile, 'read'>): OpenReaderOptions {
    return { ...readerOptions(source), ...(profile.read ?? {}) };
  }

  /** The real pipeline over the source's rows: what would be sent, rejected and held. */
  async preview(input: SampleChoice & { profile: unknown; sourceId: string; limit: number }): Promise<PreviewResult & { file: string | null }> {
    const profile = this.parse(input.profile);
    const source = this.deps.sources.get(input.sourceId);
    const catalogue = await this.catalogue(profile.connectionId);
    const opened = source.kind === 'database' ? await this.deps.sources.open(source.id) : await this.openFile(source, input, profile);
    try {
      const result = await previewMapping(profile, opened.rows, catalogue, {
        limit: input.limit,
        now: this.clock.now(),
        maxRows: PREVIEW_MAX_ROWS,
        logger: this.deps.logger,
      });
      return { ...result, file: opened.file };
    } finally {
      await opened.close().catch(() => undefined);
    }
  }

  private async openFile(source: SourceRecord, choice: SampleChoice, profile: MappingProfile): Promise<{ file: string; rows: AsyncIterable<SourceRow>; close(): Promise<void> }> {
    const path = await this.samplePath(source, choice);
    try {
      const reader = await openReader(path, this.readOptions(source, profile));
      return { file: path, rows: reader.rows(), close: () => reader.close() };
    } catch (err) {
      if (err instanceof SourceFileError) throw new MappingServiceError('invalid', err.message);
      throw err;
    }
  }

  /**
   * What changed between the file a run stopped on and the mapping's saved header, read again
   * now: after the mapping was updated the same file shows no drift and can be retried.
   */
  async drift(runId: number): Promise<DriftReport> {
    const run = this.store.runs.get(runId);
    if (!run) throw new MappingServiceError('not_found', `There is no run #${runId}.`);
    const job = run.jobId ? this.store.jobs.get(run.jobId) : null;
    const mapping = job?.mappingId ? this.store.mappings.get(job.mappingId) : null;
    const source = job?.sourceId ? this.store.sources.get(job.sourceId) : null;
    if (!job || !mapping || !source) throw new MappingServiceError('not_found', `Run #${runId} has no job with a mapping and a source any more, so there is nothing to compare.`);
    const profile = parseProfile(mapping.profile);
    if (source.kind === 'database') return this.databaseDrift(runId, mapping, source, profile);
    if (!run.file) throw new MappingServiceError('invalid', `Run #${runId} did not read a file, so it has no column changes to show.`);
    // Where the file is now: a processed file was moved after its run.
    const file = this.store.sources.fileOfRun(runId)?.path ?? run.file;
    let headers: string[] = [];
    let fileAvailable = true;
    try {
      const reader = await openReader(file, this.readOptions(source, profile));
      headers = reader.info.headers;
      await reader.close();
    } catch (err) {
      if (!(err instanceof SourceFileError)) throw err;
      if (err.code !== 'FILE_NOT_FOUND') throw new MappingServiceError('invalid', err.message);
      fileAvailable = false;
    }
    const drift = fileAvailable ? detectDrift(profile, headers) : { missing: [], added: [], renamed: [], reordered: false, affectsMapping: [], hasDrift: false };
    return {
      runId,
      mappingId: mapping.id,
      mappingName: mapping.name,
      mappingVersion: mapping.version,
      sourceId: source.id,
      sourceKind: 'folder',
      file,
      fileAvailable,
      missing: drift.missing,
      added: drift.added,
      renamed: drift.renamed.map((r) => ({ ...r, unit: renamedValueUnit(profile, r.from, r.to) })),
      reordered: drift.reordered,
      affectsMapping: drift.affectsMapping,
      hasDrift: drift.hasDrift,
      headers,
    };
  }
  /**
   * A database source's columns now against the mapping: nothing to send again (the run that
   * stopped sent nothing and kept its watermark), so the job's next run reads the same rows once
   * the mapping is updated.
   */
  private async databaseDrift(runId: number, mapping: MappingRecord, source: SourceRecord, profile: MappingProfile): Promise<DriftReport> {
    const opened = await this.deps.sources.open(source.id);
    await opened.close().catch(() => undefined);
    const drift = detectDrift(profile, opened.headers);
    return {
      runId,
      mappingId: mapping.id,
      mappingName: mapping.name,
      mappingVersion: mapping.version,
      sourceId: source.id,
      sourceKind: 'database',
      file: '',
      fileAvailable: false,
      missing: drift.missing,
      added: drift.added,
      renamed: drift.renamed.map((r) => ({ ...r, unit: renamedValueUnit(profile, r.from, r.to) })),
      reordered: drift.reordered,
      affectsMapping: drift.affectsMapping,
      hasDrift: drift.hasDrift,
      headers: opened.headers,
    };
  }


  /** Saves a new profile (version 1) or the next version of an existing one. */
  save(input: { profile: unknown; id?: string }): MappingInfo {
    const parsed = this.parse(input.profile);
    const existing = input.id ? this.record(input.id) : null;
    const name = parsed.name.trim();
    const clash = this.store.mappings.get(name);
    if (clash && clash.name === name && clash.id !== existing?.id) {
      throw new MappingServiceError('conflict', `A mapping called "${name}" already exists. Choose another name, or save this as its next version: Edit on the Mappings page, or \`esg-sync mapping import FILE --update "${name}"\`.`);
    }
    // Commands take a name or an id: a name that is another mapping's id would make them ambiguous.
    if (clash && clash.id === name && clash.id !== existing?.id) {
      throw new MappingServiceError('conflict', `"${name}" is the id of the mapping "${clash.name}", so commands could not tell the two apart. Choose another name.`);
    }
    if (!this.store.sources.get(parsed.sourceId)) {
      throw new MappingServiceError('not_found', `The mapping's source "${parsed.sourceId}" does not exist here. Add the source first, or choose one of: ${this.known('sources')}.`);
    }
    if (!this.store.connections.get(parsed.connectionId)) {
      throw new MappingServiceError('not_found', `The mapping's connection "${parsed.connectionId}" does not exist here. Add it first, or choose one of: ${this.known('connections')}.`);
    }
    const source = this.store.sources.get(parsed.sourceId)!;
    const connection = this.store.connections.get(parsed.connectionId)!;
    const id = existing?.id ?? uniqueId(name, (x) => this.store.mappings.get(x) !== null);
    const now = this.clock.now().toISOString();
    const profile: MappingProfile = {
      ...parsed,
      id,
      name,
      sourceId: source.id,
      connectionId: connection.id,
      version: (existing?.version ?? 0) + 1,
      createdAt: (existing ? parseProfile(existing.profile).createdAt : undefined) ?? existing?.createdAt ?? now,
      updatedAt: now,
    };
    const saved = this.store.mappings.save(
      { id, name, sourceId: source.id, connectionId: connection.id, fingerprint: profile.headerFingerprint?.value ?? null, profile },
      now,
    );
    this.deps.logger?.info({ mapping: id, version: saved.version }, 'mapping saved');
    return this.info(saved);
  }

  /**
   * Removes a mapping with all its versions; refused (`in_use`, the API's 'conflict') while a job
   * uses it, naming the jobs. Run history and the ledger of what was sent stay.
   */
  remove(idOrName: string): { removed: string } {
    const m = this.record(idOrName);
    const jobs = this.store.jobs.list().filter((j) => j.mappingId === m.id);
    if (jobs.length) {
      throw new MappingServiceError(
        'in_use',
        `The mapping "${m.name}" is used by ${jobs.length === 1 ? 'the job' : 'the jobs'} ${jobs.map((j) => `"${j.name}"`).join(', ')}. Remove or change ${jobs.length === 1 ? 'that job' : 'those jobs'} first.`,
      );
    }
    this.store.mappings.remove(m.id);
    this.deps.logger?.info({ mapping: m.id }, 'mapping removed');
    return { removed: m.name };
  }

  /** The profile file `mapping export` writes: the schema's JSON, nothing else (profiles hold no secrets). */
  exportJson(idOrName: string): string {
    return serialiseProfile(this.get(idOrName).profile);
  }

  parse(input: unknown): MappingProfile {
    try {
      return parseProfile(input);
    } catch (err) {
      if (err instanceof ProfileError) {
        // In words ("The calorific value must be a positive number…"), not zod's "Too small: expected number to be >0".
        const worded = profileErrorInWords(err, input);
        throw new MappingServiceError('invalid', worded.message, worded.problems.length ? worded.problems.map((p) => `${p.path}: ${p.message}`) : err.issues);
      }
      throw err;
    }
  }

  private record(idOrName: string): MappingRecord {
    const m = this.store.mappings.get(idOrName);
    if (!m) throw new MappingServiceError('not_found', `There is no mapping called "${idOrName}".${this.store.mappings.list().length ? ` Known mappings: ${this.known('mappings')}.` : ' No mappings have been saved yet.'}`);
    return m;
  }

  private known(what: 'sources' | 'connections' | 'mappings'): string {
    const names = this.store[what].list().map((x) => `"${x.name}" (${x.id})`);
    return names.length ? names.join(', ') : `none yet`;
  }

  /** A draft's name must not collide with a saved mapping, or its first save would be refused. */
  private freeName(base: string): string {
    if (!this.store.mappings.get(base)) return base;
    for (let i = 2; ; i++) if (!this.store.mappings.get(`${base} (${i})`)) return `${base} (${i})`;
  }
}

/**
 * Files in a folder source's processed/ subfolder (where a run moves what it synced) that the
 * source's patterns match, newest first. processed/ must be a real folder: a link is not followed.
 */
export async function processedFiles(source: SourceRecord): Promise<string[]> {
  const dir = join(String(source.config.path), 'processed');
  try {
    if (!(await lstat(dir)).isDirectory()) return [];
  } catch {
    return [];
  }
  const exclude = Array.isArray(source.config.exclude) ? source.config.exclude.filter((x): x is string => typeof x === 'string') : [];
  const accept = makeFileFilter({ include: patternsOf(source), exclude });
  const found: Array<{ path: string; mtimeMs: number }> = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (!e.isFile() || !accept(e.name)) continue;
    try {
      found.push({ path: join(dir, e.name), mtimeMs: (await stat(join(dir, e.name))).mtimeMs });
    } catch {
      // Gone between listing and stat.
    }
  }
  return found.sort((a, b) => b.mtimeMs - a.mtimeMs || a.path.localeCompare(b.path)).map((f) => f.path);
}
