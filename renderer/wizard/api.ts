/**
 * The wizard's engine calls. The client validates every result against the shared contract;
 * this module only names the calls and their result shapes for the wizard's components.
 */
import type { MappingProfileInput } from '../../shared/mapping/profile';
import { client } from '../bridge/client';
import type { CatalogueResult, PreviewResult, SampleResult, SavedMapping, SuggestResult } from './types';

type LooseCall = (method: string, params: unknown) => Promise<unknown>;
const call = client.call as unknown as LooseCall;

const clean = <T extends Record<string, unknown>>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as T;

export const wizardApi = {
  sample: (p: { sourceId: string; file?: string | null; limit: number }) => call('sources.sample', clean(p)) as Promise<SampleResult>,
  catalogue: (connectionId: string) => call('catalogue.get', { connectionId }) as Promise<CatalogueResult>,
  suggest: (p: { sourceId: string; connectionId: string; file?: string | null }) => call('mappings.suggest', clean(p)) as Promise<SuggestResult>,
  preview: (p: { profile: MappingProfileInput; sourceId: string; file?: string | null; limit: number }) =>
    call('mappings.preview', clean(p)) as Promise<PreviewResult>,
  save: (p: { profile: MappingProfileInput; id?: string | null }) => call('mappings.save', clean(p)) as Promise<SavedMapping>,
  get: (mappingId: string) => call('mappings.get', { mappingId }) as Promise<{ info: SavedMapping & { sourceId: string | null; connectionId: string | null }; profile: MappingProfileInput }>,
};

/** A message for a person from whatever the engine threw, with the field issues it named. */
export function errorText(err: unknown): string {
  if (err && typeof err === 'object' && 'details' in err && Array.isArray((err as { details?: unknown }).details)) {
    const details = (err as { details: Array<{ path: string; message: string }> }).details;
    const base = (err as unknown as Error).message;
    const extra = details.filter((d) => !base.includes(d.message)).map((d) => (d.path ? `${d.path}: ${d.message}` : d.message));
    return extra.length ? `${base} ${extra.join('; ')}` : base;
  }
  return err instanceof Error ? err.message : String(err);
}
