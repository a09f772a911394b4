/**
 * Locates the published platform contracts (altruistiq/openapi.yml, pact-v2/...). They live in
 * the shared reference folder beside the repo; ESG_REFERENCE_DIR overrides, and a vendored copy
 * under docs/reference is used when present.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';

const repo = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');

export function referenceDir(): string {
  const candidates = [process.env.ESG_REFERENCE_DIR, join(repo, 'docs/reference'), resolve(repo, '../shared/reference')].filter(
    (c): c is string => typeof c === 'string' && c.length > 0,
  );
  for (const c of candidates) if (existsSync(join(c, 'altruistiq/openapi.yml'))) return c;
  throw new Error(`Platform reference contracts not found (looked in: ${candidates.join(', ')}). Set ESG_REFERENCE_DIR.`);
}

export const referencePath = (rel: string): string => join(referenceDir(), rel);
