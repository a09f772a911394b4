import { resolve } from 'node:path';
import type { ConfigFile, ConnectionEntry, DatabaseSourceEntry, SecretToAdd } from '../../../shared/contract/config';
import { defaultDataDir } from '../paths';

/**
 * The commands that add again, with its secret, what an export cannot carry (a connection's
 * client secret, a database source's password), printed for an administrator to paste.
 */

/** A word for a POSIX shell: as it is when safe, else in single quotes. */
export function sh(word: string): string {
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

export function databaseAddCommand(s: DatabaseSourceEntry, cli = 'esg-sync'): string {
  const d = s.database;
  const flags = Object.entries(DB_FLAGS)
    .filter(([key]) => d[key] !== null && d[key] !== undefined && d[key] !== '')
    .map(([key, flag]) => `${flag} ${sh(String(d[key]))}`);
  return [`printf %s "$DB_PASSWORD" | ${cli} source add-database`, sh(s.name), `--kind ${sh(String(d.kind))}`, ...flags, '--password-stdin'].join(' ');
}

/** Every secret the file's items need again: connections and password-protected sources first, export jobs' passwords after. */
export function secretsOf(file: ConfigFile): SecretToAdd[] {
  return [
    ...file.connections.map((c): SecretToAdd => ({ kind: 'connection', name: c.name, secret: 'client secret', when: 'before import', how: connectionAddCommand(c) })),
    ...file.sources
      .filter((s): s is DatabaseSourceEntry => s.kind === 'database' && s.passwordInKeychain)
      .map((s): SecretToAdd => ({ kind: 'source', name: s.name, secret: 'database password', when: 'before import', how: databaseAddCommand(s) })),
    ...file.jobs
      .filter((j) => j.databasePasswordSaved)
      .map(
        (j): SecretToAdd => ({
          kind: 'job',
          name: j.name,
          secret: 'database password',
          when: 'after import',
          how: `printf %s "$DB_PASSWORD" | esg-sync job edit ${sh(j.name)} --db-password-stdin (or, in the UI, Edit on the job "${j.name}" on the Jobs page)`,
        }),
      ),
  ];
}
