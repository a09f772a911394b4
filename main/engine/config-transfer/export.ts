import { CONFIG_FORMAT_VERSION, CONFIG_KIND, type ConfigExportResult, type ConfigFile, type JobEntry, type MappingEntry, type SourceEntry } from '../../../shared/contract/config';
import { ApiError } from '../../../shared/rpc';
import { APP_VERSION } from '../version';
import type { EngineCall } from './call';
import { secretsOf } from './commands';

export const without = <T extends Record<string, unknown>>(o: T, ...keys: string[]): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));

/**
 * This agent's configuration as an export file, read through the methods the UI uses. The
 * sandbox tour's items (and mappings and jobs that use them) are left out and named.
 */
export async function exportConfig(call: EngineCall): Promise<Omit<ConfigExportResult, 'savedTo'>> {
  const settings = await call('settings.get', {});
  const connections = await call('connections.list', {});
  const sources = await call('sources.list', {});
  const mappings = await call('mappings.list', {});
  const jobs = await call('jobs.details', {});
  // The sandbox tour's items point at a stand-in platform on this computer: "Try it with the sandbox platform" makes them again.
  const leftOut: string[] = [];
  const connName = new Map(connections.filter((c) => !c.sandbox).map((c) => [c.id, c.name]));
  const sourceName = new Map(sources.filter((s) => !s.sandbox).map((s) => [s.id, s.name]));
  for (const c of connections) if (c.sandbox) leftOut.push(`connection "${c.name}"`);
  for (const s of sources) if (s.sandbox) leftOut.push(`source "${s.name}"`);

  const sourceEntries: SourceEntry[] = [];
  for (const s of sources) {
    if (s.sandbox) continue;
    const st = await call('sources.settings', { sourceId: s.id });
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
    const { profile } = await call('mappings.get', { mappingId: m.id });
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
    formatVersion: CONFIG_FORMAT_VERSION,
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
  assertNoSecrets(file);
  return { file, leftOut, secretsToAddAgain: secretsOf(file) };
}

/** A secret-looking key anywhere in the file would be a bug: refuse to give it out rather than leak it. */
export function assertNoSecrets(value: unknown, path = ''): void {
  if (Array.isArray(value)) return value.forEach((v, i) => assertNoSecrets(v, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (/^(password|clientSecret|client_secret|secret|token|accessToken|apiKey)$/i.test(k) && v !== null && v !== undefined && v !== false) {
        throw new ApiError('internal', `Refusing to write the export: ${path ? `${path}.` : ''}${k} looks like a secret, and secrets are never exported. Please report this.`);
      }
      assertNoSecrets(v, path ? `${path}.${k}` : k);
    }
  }
}
