/**
 * The rule "a secret never reaches a log line", checked end to end: an engine with file logs at
 * debug level, the sandbox platform logging into the same files, and a connection added, tested,
 * rotated and refused through the real dispatcher. Afterwards no log file holds either secret.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createEngineApi } from '../../../main/engine/api';
import { Engine } from '../../../main/engine/engine';
import { createLogger } from '../../../main/engine/log';
import { logDirOf } from '../../../main/engine/paths';
import { createDispatcher } from '../../../main/engine/rpc-dispatch';
import { ALL_SCOPES, startSandbox, type RunningSandbox } from '../../../main/sandbox';
import { memorySecretStore } from '../../helpers/memory-secrets';

const FIRST = `first-${randomBytes(16).toString('hex')}`;
const SECOND = `second-${randomBytes(16).toString('hex')}`;
const WRONG = `wrong-${randomBytes(16).toString('hex')}`;
let dataDir: string;
let sandbox: RunningSandbox;
let engine: Engine;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'esg-log-secrets-'));
  // Small files so the scenario also crosses a rotation.
  const logger = createLogger({ logDir: logDirOf(dataDir), level: 'debug', maxBytes: 1024, keepFiles: 50 });
  sandbox = await startSandbox({
    port: 0,
    logger,
    accounts: [{ clientId: 'log-client', clientSecret: FIRST, name: 'Log test agent', scopes: [...ALL_SCOPES] }],
  });
  engine = Engine.open({ dataDir, mode: 'headless', logger });
  await engine.initSecrets({ allowEnv: false, store: memorySecretStore() });
});

afterAll(async () => {
  await engine.stop();
  await sandbox.close();
  rmSync(dataDir, { recursive: true, force: true });
});

it('adds, tests, rotates and is refused a connection without any secret reaching the logs', async () => {
  const dispatch = createDispatcher(createEngineApi(engine), engine.logger);
  const base = { name: 'Log test', kind: 'esg-api', baseUrl: sandbox.url, clientId: 'log-client' };

  const refused = await dispatch('connections.add', { ...base, clientSecret: WRONG });
  expect(refused).toMatchObject({ ok: true, result: { saved: false } });
  const added = await dispatch('connections.add', { ...base, clientSecret: FIRST });
  expect(added).toMatchObject({ ok: true, result: { saved: true } });
  const id = (added as { result: { connection: { id: string } } }).result.connection.id;
  expect(await dispatch('connections.test', { id })).toMatchObject({ ok: true });
  // The platform does not know SECOND yet: the rotation is refused and the old secret kept.
  expect(await dispatch('connections.rotate', { id, clientSecret: SECOND })).toMatchObject({ ok: true, result: { rotated: false } });
  // A call with a malformed secret field fails validation; the dispatcher logs nothing of it.
  await dispatch('connections.add', { ...base, clientSecret: FIRST, unexpected: FIRST });
  engine.logger.flush();

  const logDir = logDirOf(dataDir);
  const files = readdirSync(logDir);
  const text = files.map((f) => readFileSync(join(logDir, f), 'utf8')).join('');
  expect(files.length).toBeGreaterThan(1); // rotated at least once
  expect(text).toContain('connection added');
  expect(text).toContain('connection not added');
  for (const secret of [FIRST, SECOND, WRONG]) expect(text).not.toContain(secret);
});
