import { DatabaseSourceError } from '../errors';
import { MysqlSource } from './mysql';
import { PostgresSource } from './postgres';
import { SqliteSource } from './sqlite';
import { assertReadOnlyQuery, quoteIdent } from './sql';
import { DatabaseSourceConfig, type DatabaseSource } from './types';

export * from './types';
export { assertReadOnlyQuery, quoteIdent } from './sql';
export { SqliteSource, PostgresSource, MysqlSource };

/** Validates the config (shape, read-only query, identifiers) and returns the matching source. */
export function createDatabaseSource(config: unknown): DatabaseSource {
  const parsed = DatabaseSourceConfig.safeParse(config);
  if (!parsed.success) {
    throw new DatabaseSourceError('CONFIG_INVALID', `The database source settings are not valid: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  }
  const cfg = parsed.data;
  if (cfg.query) assertReadOnlyQuery(cfg.query);
  for (const name of [cfg.table, cfg.schema, cfg.watermarkColumn]) if (name !== undefined) quoteIdent(cfg.kind, name);
  switch (cfg.kind) {
    case 'sqlite':
      return new SqliteSource(cfg);
    case 'postgres':
      return new PostgresSource(cfg);
    case 'mysql':
      return new MysqlSource(cfg);
  }
}

/** Parses postgres://user:pass@host:port/db or mysql://… into config fields (tests, CLI). */
export function configFromUrl(url: string): Pick<DatabaseSourceConfig, 'kind' | 'host' | 'port' | 'database' | 'user' | 'password'> {
  const u = new URL(url);
  const kind = u.protocol.startsWith('postgres') ? 'postgres' : u.protocol.startsWith('mysql') || u.protocol.startsWith('mariadb') ? 'mysql' : null;
  if (!kind) throw new DatabaseSourceError('CONFIG_INVALID', `Unsupported database URL scheme "${u.protocol}".`);
  return {
    kind,
    host: u.hostname,
    port: u.port ? Number(u.port) : undefined,
    database: decodeURIComponent(u.pathname.replace(/^\//, '')),
    user: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
  };
}
