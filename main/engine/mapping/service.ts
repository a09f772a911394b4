/**
 * Mapping profiles as the wizard and CLI use them: suggest one from a source's sample and the
 * platform's library, preview it through the real pipeline, save versions, read, export and
 * remove them. The platform catalogue is fetched through the connection's own adapter.
 */
import type { Logger } from 'pino';
import type { MappingInfo } from '../../../shared/dto';
import type { Entity, Metric } from '../../../shared/domain';
import { parseProfile, ProfileError, serialiseProfile, type MappingProfile, type MappingProfileInput } from '../../../shared/mapping';
import { uniqueId } from '../connections/ids';
import type { ConnectionService } from '../connections';
import { createAdapter as defaultCreateAdapter, type ClosableAdapter, type CreateAdapterOptions } from '../platforms/factory';
import type { ConnectionConfig } from '../platforms/types';
import type { SourceService, SourceSample } from '../sources/service';
import type { MappingRecord, Store } from '../store';
import { systemClock, type Clock } from '../store/clock';
import { previewMapping, type PreviewResult } from './preview';
import { profileColumns, type ColumnProfile } from './profiler';
import { draftProfile, suggestMapping, type MappingSuggestion } from './suggest';

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

export interface CatalogueView {
  metrics: Metric[];
  entities: Entity[];
}

export interface SuggestResult {
  sample: SourceSample;
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
      return { metrics, entities };
    } finally {
      await adapter.close().catch(() => undefined);
    }
  }

  async suggest(input: { sourceId: string; connectionId: string; file?: string; sampleRows?: number }): Promise<SuggestResult> {
    const source = this.deps.sources.get(input.sourceId);
    const connection = this.deps.connections.get(input.connectionId);
    const sample = await this.deps.sources.sample(source.id, { file: input.file, limit: input.sampleRows ?? 200 });
    const catalogue = await this.catalogue(connection.id);
    const headers = sample.info.headers;
    const profiles = profileColumns(headers, sample.rows);
    const suggestion = suggestMapping({ headers, profiles, metrics: catalogue.metrics, entities: catalogue.entities });
    const draft = draftProfile(suggestion, {
      name: this.freeName(`${source.name} to ${connection.name}`),
      sourceId: source.id,
      connectionId: connection.id,
      headers,
      profiles,
    });
    return { sample, profiles, suggestion, draft };
  }

  /** The real pipeline over the source's rows: what would be sent, rejected and held. */
  async preview(input: { profile: unknown; sourceId: string; file?: string; limit: number }): Promise<PreviewResult & { file: string | null }> {
    const profile = this.parse(input.profile);
    const source = this.deps.sources.get(input.sourceId);
    const catalogue = await this.catalogue(profile.connectionId);
    const opened = await this.deps.sources.open(source.id, input.file);
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

  /** Saves a new profile (version 1) or the next version of an existing one. */
  save(input: { profile: unknown; id?: string }): MappingInfo {
    const parsed = this.parse(input.profile);
    const existing = input.id ? this.record(input.id) : null;
    const name = parsed.name.trim();
    const clash = this.store.mappings.get(name);
    if (clash && clash.name === name && clash.id !== existing?.id) {
      throw new MappingServiceError('conflict', `A mapping called "${name}" already exists. Choose another name, or open that mapping to edit it.`);
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

  /** Refuses while a job uses the mapping. */
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
      if (err instanceof ProfileError) throw new MappingServiceError('invalid', err.message, err.issues);
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
