import type { PlatformKind } from '../../../shared/domain';
import type { Db } from './database';

/** A saved connection. Deliberately has no secret field: secrets live in the keychain only. */
export interface ConnectionRecord {
  id: string;
  name: string;
  kind: PlatformKind;
  baseUrl: string;
  authUrl: string | null;
  clientId: string;
  scopes: string[];
  sandbox: boolean;
  createdAt: string;
  lastUsedAt: string | null;
  lastTestAt: string | null;
  lastTestOk: boolean | null;
  lastTestMessage: string | null;
  /**
   * Platform-specific, non-secret settings (e.g. the Altruistiq user e-mail uploads are attributed
   * to, the scopes to request). Absent when there are none, so records written before the column
   * existed read back unchanged.
   */
  options?: ConnectionOptionsRecord;
}

/** Free-form but flat: option values are strings or string lists, never secrets. */
export type ConnectionOptionsRecord = Record<string, string | string[]>;

interface Row {
  id: string;
  name: string;
  kind: PlatformKind;
  base_url: string;
  auth_url: string | null;
  client_id: string;
  scopes: string;
  sandbox: number;
  created_at: string;
  last_used_at: string | null;
  last_test_at: string | null;
  last_test_ok: number | null;
  last_test_message: string | null;
  options: string | null;
}

function parseOptions(text: string | null): ConnectionOptionsRecord {
  if (!text) return {};
  try {
    const v = JSON.parse(text) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as ConnectionOptionsRecord) : {};
  } catch {
    return {};
  }
}

const fromRow = (r: Row): ConnectionRecord => {
  const options = parseOptions(r.options);
  return { ...fromRowBase(r), ...(Object.keys(options).length > 0 ? { options } : {}) };
};

const fromRowBase = (r: Row): ConnectionRecord => ({
  id: r.id,
  name: r.name,
  kind: r.kind,
  baseUrl: r.base_url,
  authUrl: r.auth_url,
  clientId: r.client_id,
  scopes: JSON.parse(r.scopes) as string[],
  sandbox: r.sandbox === 1,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  lastTestAt: r.last_test_at,
  lastTestOk: r.last_test_ok === null ? null : r.last_test_ok === 1,
  lastTestMessage: r.last_test_message,
});

export class ConnectionsRepo {
  constructor(private readonly db: Db) {}

  list(): ConnectionRecord[] {
    return (this.db.prepare('SELECT * FROM connections ORDER BY name').all() as Row[]).map(fromRow);
  }

  get(idOrName: string): ConnectionRecord | null {
    const row = this.db.prepare('SELECT * FROM connections WHERE id = ? OR name = ?').get(idOrName, idOrName) as
      | Row
      | undefined;
    return row ? fromRow(row) : null;
  }

  insert(c: ConnectionRecord): void {
    this.db
      .prepare(
        `INSERT INTO connections (id, name, kind, base_url, auth_url, client_id, scopes, sandbox, created_at,
           last_used_at, last_test_at, last_test_ok, last_test_message, options)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        c.id,
        c.name,
        c.kind,
        c.baseUrl,
        c.authUrl,
        c.clientId,
        JSON.stringify(c.scopes),
        c.sandbox ? 1 : 0,
        c.createdAt,
        c.lastUsedAt,
        c.lastTestAt,
        c.lastTestOk === null ? null : c.lastTestOk ? 1 : 0,
        c.lastTestMessage,
        JSON.stringify(c.options ?? {}),
      );
  }

  setOptions(id: string, options: ConnectionOptionsRecord): void {
    this.db.prepare('UPDATE connections SET options = ? WHERE id = ?').run(JSON.stringify(options), id);
  }

  recordTest(id: string, at: string, ok: boolean, message: string | null, scopes?: string[]): void {
    this.db
      .prepare(
        `UPDATE connections SET last_test_at = ?, last_test_ok = ?, last_test_message = ?,
           scopes = COALESCE(?, scopes) WHERE id = ?`,
      )
      .run(at, ok ? 1 : 0, message, scopes ? JSON.stringify(scopes) : null, id);
  }

  touch(id: string, at: string): void {
    this.db.prepare('UPDATE connections SET last_used_at = ? WHERE id = ?').run(at, id);
  }

  remove(id: string): void {
    this.db.prepare('DELETE FROM connections WHERE id = ?').run(id);
  }

  jobsUsing(id: string): string[] {
    return (this.db.prepare('SELECT name FROM jobs WHERE connection_id = ? ORDER BY name').all(id) as { name: string }[]).map(
      (r) => r.name,
    );
  }
}
