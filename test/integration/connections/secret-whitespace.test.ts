/**
 * A client secret (or id) copied from a platform's key page often comes with a trailing space,
 * tab or line break. No real secret starts or ends with whitespace, so the API trims it before
 * the secret is tested, stored or used — on add and on rotate, whichever bridge called — and the
 * sandbox platform accepts the connection. The secret itself stays out of every answer and log.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEngineApi } from '../../../main/engine/api';
import { ConnectionService } from '../../../main/engine/connections';
import { Engine } from '../../../main/engine/engine';
import { createDispatcher } from '../../../main/engine/rpc-dispatch';
import { ALL_SCOPES, startSandbox, type RunningSandbox } from '../../../main/sandbox';
import { AddConnectionParams, connectionsMethods } from '../../../shared/contract/connections';
import { dataDirBytes } from '../../helpers/keychain';
import { MemorySecrets } from '../mappings-api/helpers';

const SECRET = `ws-secret-${randomBytes(18).toString('hex')}`;
const NEW_SECRET = `ws-rotated-${randomBytes(18).toString('hex')}`;
const account = (secret: string) => [{ clientId: 'ws-client', clientSecret: secret, name: 'Whitespace agent', scopes: [...ALL_SCOPES], organisation: 'Test Org' }];

type Answer = { ok: boolean; result?: unknown; error?: { code: string; message: string; details?: unknown } };

let sandbox: RunningSandbox;
let sandboxDir: string;
let dataDir: string;
let engine: Engine;
let secrets: MemorySecrets;
let call: (method: string, params: unknown) => Promise<Answer>;
const answers: string[] = [];

async function ok<T>(method: string, params: unknown): Promise<T> {
  const r = await call(method, params);
  answers.push(JSON.stringify(r));
  if (!r.ok) throw new Error(`${method} failed: ${r.error!.code}: ${r.error!.message}`);
  return r.result as T;
}

beforeAll(async () => {
  sandboxDir = mkdtempSync(join(tmpdir(), 'esg-conn-ws-sbx-'));
  sandbox = await startSandbox({ port: 0, dbPath: join(sandboxDir, 'sandbox.db'), accounts: account(SECRET) });
});
afterAll(async () => {
  await sandbox.close();
  rmSync(sandboxDir, { recursive: true, force: true });
});
beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'esg-conn-ws-'));
  engine = Engine.open({ dataDir, mode: 'headless' });
  secrets = new MemorySecrets();
  await engine.initSecrets({ allowEnv: false, store: secrets });
  const dispatch = createDispatcher(createEngineApi(engine), engine.logger);
  call = (m, p) => dispatch(m, p) as Promise<Answer>;
  answers.length = 0;
});
afterEach(async () => {
  await engine.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a client secret pasted with surrounding whitespace', () => {
  it('is trimmed by the contract, so every bridge (UI, CLI, WebSocket) gets the same', () => {
    const base = { name: 'X', kind: 'esg-api', baseUrl: 'http://127.0.0.1:1' };
    expect(AddConnectionParams.parse({ ...base, clientId: ' \tid\r\n', clientSecret: ' \tsecret value\r\n' })).toMatchObject({ clientId: 'id', clientSecret: 'secret value' });
    expect(connectionsMethods['connections.rotate'].params.parse({ id: 'x', clientSecret: '\nsecret\t \r\n' })).toEqual({ id: 'x', clientSecret: 'secret' });
    // Only whitespace is no secret at all.
    const empty = AddConnectionParams.safeParse({ ...base, clientId: 'id', clientSecret: ' \r\n\t' });
    expect(empty.success).toBe(false);
    expect(JSON.stringify(empty.error?.issues)).toContain('The client secret is empty.');
  });

  it('is added, tested and rotated against the sandbox platform, kept without the whitespace, and never shown', async () => {
    const added = await ok<{ saved: boolean; connection: { id: string; clientId: string; lastTestOk: boolean }; test: { ok: boolean; code: string } }>('connections.add', {
      name: 'Sandbox',
      kind: 'esg-api',
      baseUrl: sandbox.url,
      clientId: '  ws-client\t\r\n',
      clientSecret: ` ${SECRET} \t\r\n`,
    });
    expect(added.test).toMatchObject({ ok: true, code: 'ok' });
    expect(added).toMatchObject({ saved: true, connection: { clientId: 'ws-client', lastTestOk: true } });
    const id = added.connection.id;
    expect(await secrets.get(id)).toBe(SECRET);
    expect((await ok<{ test: { ok: boolean } }>('connections.test', { id })).test.ok).toBe(true);

    // The platform issues a new secret; it is pasted with a line break before and after.
    const port = sandbox.port;
    await sandbox.close();
    sandbox = await startSandbox({ port, dbPath: join(sandboxDir, 'sandbox.db'), accounts: account(NEW_SECRET) });
    try {
      const rotated = await ok<{ rotated: boolean; test: { ok: boolean } }>('connections.rotate', { id, clientSecret: `\r\n${NEW_SECRET}\n` });
      expect(rotated).toMatchObject({ rotated: true, test: { ok: true } });
      expect(await secrets.get(id)).toBe(NEW_SECRET);
      expect((await ok<{ test: { ok: boolean } }>('connections.test', { id })).test.ok).toBe(true);

      // A secret of whitespace only is refused before anything is tried; the stored one stays.
      const blank = await call('connections.rotate', { id, clientSecret: ' \t\r\n' });
      answers.push(JSON.stringify(blank));
      expect(blank).toMatchObject({ ok: false, error: { code: 'invalid_params', details: [{ path: 'clientSecret', message: 'The client secret is empty.' }] } });
      expect(await secrets.get(id)).toBe(NEW_SECRET);
    } finally {
      await sandbox.close();
      sandbox = await startSandbox({ port, dbPath: join(sandboxDir, 'sandbox.db'), accounts: account(SECRET) });
    }

    // In-engine callers that do not pass through the contract (the sandbox tour) get the same.
    const service = new ConnectionService({ store: engine.store, secrets: () => secrets, logger: engine.logger });
    const direct = await service.add({ name: 'Direct', kind: 'esg-api', baseUrl: sandbox.url, clientId: 'ws-client ', clientSecret: `${SECRET}\r\n` });
    expect(direct).toMatchObject({ saved: true, connection: { clientId: 'ws-client' } });
    expect(await secrets.get(direct.connection!.id)).toBe(SECRET);
    await expect(service.rotate(direct.connection!.id, '\t \n')).rejects.toMatchObject({ code: 'invalid' });
    expect(await secrets.get(direct.connection!.id)).toBe(SECRET);

    await new Promise<void>((r) => engine.logger.flush(() => r()));
    const files = dataDirBytes(dataDir);
    for (const s of [SECRET, NEW_SECRET]) {
      expect(files.includes(s)).toBe(false);
      for (const a of answers) expect(a.includes(s)).toBe(false);
    }
  });
});
