import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConnectionError, ConnectionService, failureOutcome, slugify, uniqueId } from '../../../main/engine/connections';
import { PlatformError, fromHttpResponse, fromNetworkError } from '../../../main/engine/platforms/errors';
import type { ClosableAdapter } from '../../../main/engine/platforms/factory';
import type { ConnectionConfig } from '../../../main/engine/platforms/types';
import { EnvSecretStore, envVarNameFor, SecretStoreError, type SecretStore } from '../../../main/engine/secrets';
import { Store } from '../../../main/engine/store';
import { openDatabase } from '../../../main/engine/store/database';

/** In-memory stand-in for the keychain; the real one is exercised by the integration tests. */
class MemorySecrets implements SecretStore {
  readonly kind = 'keychain' as const;
  readonly entries = new Map<string, string>();
  failSet = false;
  describe(a: string) {
    return `memory:${a}`;
  }
  async get(a: string) {
    return this.entries.get(a) ?? null;
  }
  async set(a: string, s: string) {
    if (this.failSet) throw new SecretStoreError('keychain_error', `could not save ${a}`);
    this.entries.set(a, s);
  }
  async delete(a: string) {
    return this.entries.delete(a);
  }
  async available() {
    return true;
  }
}

/** A platform that accepts exactly one secret per client; others fail the way `fail` says. */
function fakePlatform(valid: Map<string, string>, calls: ConnectionConfig[], fail?: () => unknown) {
  return (config: ConnectionConfig): ClosableAdapter =>
    ({
      kind: config.kind,
      async whoami() {
        calls.push(config);
        if (fail) throw fail();
        if (valid.get(config.clientId) !== config.clientSecret) {
          throw fromHttpResponse({ status: 401, method: 'POST', url: 'https://p.example/oauth/token', body: '{"error":"invalid_client"}', contentType: 'application/json', tokenEndpoint: true });
        }
        return { clientId: config.clientId, name: 'Agent', organisation: 'Org', scopes: ['metrics:read', 'submissions:write'], lastUsedAt: null };
      },
      async close() {},
    }) as unknown as ClosableAdapter;
}

let store: Store;
let secrets: MemorySecrets;
let valid: Map<string, string>;
let calls: ConnectionConfig[];
let failWith: (() => unknown) | undefined;
let service: ConnectionService;
const statuses: { connectionId: string; ok: boolean }[] = [];

const base = { name: 'Main platform', kind: 'esg-api' as const, baseUrl: 'https://p.example/', clientId: 'agent-1', clientSecret: 'first-secret-123' };

beforeEach(() => {
  store = new Store(openDatabase(':memory:'));
  secrets = new MemorySecrets();
  valid = new Map([['agent-1', 'first-secret-123']]);
  calls = [];
  failWith = undefined;
  statuses.length = 0;
  service = new ConnectionService({
    store,
    secrets: () => secrets,
    createAdapter: (c) => fakePlatform(valid, calls, failWith)(c),
    onStatus: (e) => statuses.push(e),
  });
});
afterEach(() => store.close());

describe('ConnectionService.add', () => {
  it('tests the credentials first, then keeps the secret only in the secret store', async () => {
    const r = await service.add(base);
    expect(r.saved).toBe(true);
    if (!r.saved) return;
    expect(calls).toHaveLength(1);
    expect(r.connection).toMatchObject({ id: 'main-platform', baseUrl: 'https://p.example', scopes: ['metrics:read', 'submissions:write'], lastTestOk: true });
    expect(r.connection.lastUsedAt).not.toBeNull();
    expect(secrets.entries.get('main-platform')).toBe('first-secret-123');
    const dump = JSON.stringify(store.db.prepare('SELECT * FROM connections').all());
    expect(dump).not.toContain('first-secret-123');
    expect(JSON.stringify(r)).not.toContain('first-secret-123');
    expect(statuses).toEqual([expect.objectContaining({ connectionId: 'main-platform', ok: true })]);
  });

  it('saves nothing when the platform rejects the secret, and says so precisely', async () => {
    const r = await service.add({ ...base, clientSecret: 'wrong-secret-999' });
    expect(r.saved).toBe(false);
    expect(r.test.code).toBe('invalid_client');
    expect(r.test.headline).toMatch(/401 invalid_client/);
    expect(store.connections.list()).toEqual([]);
    expect(secrets.entries.size).toBe(0);
  });

  it('refuses a second connection with the same name and unsafe URLs before calling the platform', async () => {
    await service.add(base);
    await expect(service.add(base)).rejects.toMatchObject({ code: 'conflict' });
    await expect(service.add({ ...base, name: 'X', baseUrl: 'http://p.example' })).rejects.toThrow(/https:\/\//);
    await expect(service.add({ ...base, name: 'Y', baseUrl: 'not a url' })).rejects.toThrow(/not a valid address/);
    await expect(service.add({ ...base, name: 'Z', kind: 'altruistiq' })).rejects.toThrow(/e-mail/);
    expect(calls).toHaveLength(1);
  });

  it('accepts plain http only on loopback (the sandbox)', async () => {
    const r = await service.add({ ...base, baseUrl: 'http://127.0.0.1:4000' });
    expect(r.saved).toBe(true);
  });

  it('leaves no connection behind when the keychain cannot store the secret', async () => {
    secrets.failSet = true;
    await expect(service.add(base)).rejects.toThrow(/could not save/);
    expect(store.connections.list()).toEqual([]);
  });

  it('refuses without calling the platform when there is no secret store', async () => {
    const s = new ConnectionService({
      store,
      secrets: () => {
        throw new Error('No OS keychain is reachable.');
      },
      createAdapter: (c) => fakePlatform(valid, calls)(c),
    });
    await expect(s.add(base)).rejects.toMatchObject({ code: 'secrets', message: 'No OS keychain is reachable.' });
    expect(calls).toHaveLength(0);
  });

  it('keeps platform options (Altruistiq user e-mail, requested scopes) and passes scopes to the adapter', async () => {
    valid.set('aq', 'aq-secret-12345');
    const r = await service.add({ ...base, name: 'AQ', kind: 'altruistiq', clientId: 'aq', clientSecret: 'aq-secret-12345', userEmail: 'ops@example.com', scopes: ['read'] });
    expect(r.saved).toBe(true);
    expect(store.connections.get('AQ')!.options).toEqual({ requestedScopes: ['read'], userEmail: 'ops@example.com' });
    expect(calls[0]!.scopes).toEqual(['read']);
  });
});

describe('ConnectionService.test', () => {
  it('records success and failure with the reason', async () => {
    await service.add(base);
    expect((await service.test('Main platform')).test.ok).toBe(true);
    failWith = () => fromNetworkError(Object.assign(new Error('getaddrinfo ENOTFOUND p.example'), { code: 'ENOTFOUND' }), { method: 'POST', url: 'https://p.example/oauth/token' });
    const r = await service.test('main-platform');
    expect(r.test).toMatchObject({ ok: false, code: 'dns' });
    expect(r.connection.lastTestOk).toBe(false);
    expect(r.connection.lastTestMessage).toMatch(/^Host name not found \(DNS\): Could not resolve/);
  });

  it('reports a secret that vanished from the keychain', async () => {
    await service.add(base);
    secrets.entries.clear();
    const r = await service.test('main-platform');
    expect(r.test.code).toBe('missing_secret');
    expect(r.test.message).toContain('memory:main-platform');
  });

  it('with secrets read from environment variables, says to set the variable, not to rotate (which that mode refuses)', async () => {
    await service.add(base);
    const env = new ConnectionService({ store, secrets: () => new EnvSecretStore({ env: {} }), createAdapter: (c) => fakePlatform(valid, calls, failWith)(c) });
    const r = await env.test('main-platform');
    expect(r.test.code).toBe('missing_secret');
    expect(r.test.message).toBe(`No secret for "Main platform" was found in the environment variable ${envVarNameFor('main-platform')}: this machine reads secrets from environment variables. Set it in the agent's environment and restart the agent.`);
    expect(r.test.message).not.toContain('rotate');
  });

  it('names the known connections when one is not found', async () => {
    await service.add(base);
    await expect(service.test('nope')).rejects.toThrow(/"Main platform"/);
  });
});

describe('ConnectionService.rotate', () => {
  it('keeps the old secret when the new one does not work', async () => {
    await service.add(base);
    const r = await service.rotate('main-platform', 'second-secret-456');
    expect(r.rotated).toBe(false);
    expect(r.test.code).toBe('invalid_client');
    expect(r.test.message).toMatch(/previous secret stays in use/);
    expect(secrets.entries.get('main-platform')).toBe('first-secret-123');
  });

  it('replaces the secret once the platform accepts the new one', async () => {
    await service.add(base);
    valid.set('agent-1', 'second-secret-456');
    const r = await service.rotate('main-platform', 'second-secret-456');
    expect(r.rotated).toBe(true);
    expect(secrets.entries.get('main-platform')).toBe('second-secret-456');
    expect(calls.at(-1)!.clientSecret).toBe('second-secret-456');
  });
});

describe('ConnectionService.remove', () => {
  const job = (id: string, connectionId: string) => ({
    id,
    name: `Job ${id}`,
    type: 'ingest' as const,
    connectionId,
    sourceId: null,
    mappingId: null,
    config: {},
    paused: false,
    cursor: null,
    createdAt: '2026-01-01T00:00:00.000Z',
  });

  it('refuses while jobs use the connection, naming them; force removes them too', async () => {
    await service.add(base);
    store.jobs.insert(job('j1', 'main-platform'));
    const err = await service.remove('main-platform').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as ConnectionError).code).toBe('in_use');
    expect((err as Error).message).toContain('"Job j1"');
    expect(store.connections.get('main-platform')).not.toBeNull();
    const r = await service.remove('main-platform', { force: true });
    expect(r).toEqual({ removed: 'Main platform', jobsRemoved: ['Job j1'], secretRemoved: true, warning: null });
    expect(store.connections.list()).toEqual([]);
    expect(secrets.entries.size).toBe(0);
  });
});

describe('failure outcomes', () => {
  const http = (status: number, body = '', tokenEndpoint = false) =>
    failureOutcome('t', fromHttpResponse({ status, method: 'GET', url: 'https://p.example/v1/x', body, contentType: 'application/json', tokenEndpoint }));
  it.each([
    [http(401, '{"error":"invalid_client"}', true), 'invalid_client', /invalid_client/],
    [http(403), 'forbidden_scope', /403 scope/],
    [http(400, '{"error":"invalid_scope"}', true), 'forbidden_scope', /scope/],
    [http(503), 'server', /HTTP 503/],
    [failureOutcome('t', fromNetworkError(Object.assign(new Error('x'), { code: 'CERT_HAS_EXPIRED' }), { method: 'GET', url: 'https://p.example/' })), 'tls', /TLS/],
    [failureOutcome('t', fromNetworkError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), { method: 'GET', url: 'https://p.example/' })), 'connect', /connect/],
  ])('%#: classifies %s', (outcome, code, headline) => {
    expect(outcome.ok).toBe(false);
    expect(outcome.code).toBe(code);
    expect(outcome.headline).toMatch(headline);
  });

  it('gives a message that stands alone (the UI shows it without the headline), saying the failure once', () => {
    const refused = http(401, '{"error":"invalid_client"}', true);
    expect(refused.message).toMatch(/^The platform rejected the client ID or secret \(HTTP 401 invalid_client\)/);
    expect(refused.message).not.toContain(refused.headline);
    expect(failureOutcome('t', new Error('socket hang up')).message).toBe('The test failed: socket hang up');
  });

  it('scrubs the secret should a platform echo it back', () => {
    const o = failureOutcome('t', new PlatformError({ code: 'bad_request', message: 'bad client_secret=hunter2-long-secret' }), 'hunter2-long-secret');
    expect(o.message).not.toContain('hunter2-long-secret');
  });
});

describe('ids', () => {
  it('are readable slugs, unique with a suffix', () => {
    expect(slugify('Énergie — Site Nord!')).toBe('energie-site-nord');
    expect(slugify('***')).toBe('connection');
    const taken = new Set(['a', 'a-2']);
    expect(uniqueId('A', (id) => taken.has(id))).toBe('a-3');
  });
});

describe('with opted-in environment secrets (no keychain)', () => {
  it('saves only when the variable already holds the tested secret, and never rotates', async () => {
    const { EnvSecretStore } = await import('../../../main/engine/secrets');
    const env: NodeJS.ProcessEnv = {};
    const s = new ConnectionService({ store, secrets: () => new EnvSecretStore({ env }), createAdapter: (c) => fakePlatform(valid, calls)(c) });
    await expect(s.add(base)).rejects.toThrow(/ESG_SYNC_SECRET_MAIN_PLATFORM/);
    expect(store.connections.list()).toEqual([]);
    env.ESG_SYNC_SECRET_MAIN_PLATFORM = 'first-secret-123';
    expect((await s.add(base)).saved).toBe(true);
    expect((await s.test('main-platform')).test.ok).toBe(true);
    await expect(s.rotate('main-platform', 'x-new-secret')).rejects.toThrow(/environment variables/);
    expect((await s.remove('main-platform')).warning).toMatch(/ESG_SYNC_SECRET_MAIN_PLATFORM/);
  });
});
