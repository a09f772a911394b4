import type { z } from 'zod';
import { CONFIG_FORMAT_VERSION, CONFIG_KIND, ConfigFile } from '../../../shared/contract/config';
import { ApiError } from '../../../shared/rpc';

/**
 * The parsed JSON of a file given to `config.import`, checked against the export format: a file
 * that is not an export, one of a newer format, or one damaged or edited wrongly is refused with
 * a sentence per problem. `label` names the file in them (its path, or "The file").
 */
export function checkConfigFile(json: unknown, label = 'The file'): ConfigFile {
  const kind = (json as { kind?: unknown } | null)?.kind;
  if (kind !== CONFIG_KIND) {
    const profile = typeof json === 'object' && json !== null && 'schemaVersion' in json;
    throw new ApiError(
      'invalid_params',
      `${label} is not a configuration export of esg-sync (made by \`esg-sync config export FILE\`).${profile ? ' It looks like a mapping profile: load it with `esg-sync mapping import FILE`.' : ''}`,
    );
  }
  const version = (json as { formatVersion?: unknown }).formatVersion;
  if (typeof version === 'number' && version > CONFIG_FORMAT_VERSION) {
    throw new ApiError('invalid_params', `${label} was exported by a newer version of ESG Sync Agent (format ${version}; this one reads format ${CONFIG_FORMAT_VERSION}). Update this agent first.`);
  }
  const parsed = ConfigFile.safeParse(json);
  if (!parsed.success) {
    const lines = parsed.error.issues.slice(0, 20).map((i) => `- ${describeFileIssue(i, json)}`);
    throw new ApiError('invalid_params', `${label} is damaged or was edited into a form this agent cannot read:\n${lines.join('\n')}\nExport it again from the old agent, or correct these.`);
  }
  return parsed.data;
}

/** "jobs[2]" → 'the job "Nightly" (jobs entry 3)'; the setting's own words for settings. */
export function describeFileIssue(issue: z.core.$ZodIssue, json: unknown): string {
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
