/**
 * A connection whose secret is missing on this computer is a local setup problem: `connection
 * test` exits 2 (as `run` does), names the command that enters the secret again, and does not
 * blame the platform.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { Engine } from '../../../main/engine/engine';
import { runCliInProcess } from '../../helpers/cli-in-process';
import { settingsText } from '../../../main/agent/commands/source-edit';
import { envVarNameFor } from '../../../main/engine/secrets';
import { passwordAccount } from '../../../main/engine/sources/service';
import type { SourceSettings } from '../../../shared/contract/sources';

const dataDir = mkdtempSync(join(tmpdir(), 'esg-missing-secret-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it('connection test of a connection without its secret exits 2 and says how to enter it', async () => {
  const engine = Engine.open({ dataDir, mode: 'headless', fileLogs: false });
  const at = new Date().toISOString();
  engine.store.connections.insert({ id: 'prod', name: 'Prod', kind: 'esg-api', baseUrl: 'http://127.0.0.1:9', authUrl: null, clientId: 'x', scopes: [], sandbox: false, createdAt: at, lastUsedAt: null, lastTestAt: null, lastTestOk: null, lastTestMessage: null });
  await engine.stop();
  // Environment secrets, none set: the same "missing" as a keychain entry deleted outside the agent.
  const saved = { ...process.env };
  Object.assign(process.env, { ESG_SYNC_ALLOW_ENV_SECRETS: '1' });
  delete process.env.ESG_SYNC_SECRET_PROD;
  try {
    const r = await runCliInProcess(['--data-dir', dataDir, 'connection', 'test', 'Prod']);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('No secret for "Prod" was found');
    expect(r.stdout).toContain('`esg-sync connection rotate prod --client-secret-stdin`');
    expect(r.stderr).toContain('The secret of this connection is missing here');
    expect(r.stderr).not.toContain('could not be reached');
  } finally {
    process.env = saved;
  }
});

it('source show says which environment variable a database password is read from, when secrets come from the environment', async () => {
  const engine = Engine.open({ dataDir, mode: 'headless', fileLogs: false });
  engine.store.sources.insert({ id: 'erp', name: 'ERP', kind: 'database', config: { kind: 'postgres', host: 'db', database: 'erp', user: 'esg', table: 'energy', passwordRef: 'source:erp' }, paused: false, sandbox: false, status: 'idle', statusMessage: null, createdAt: new Date().toISOString() });
  await engine.stop();
  const r = await runCliInProcess(['--data-dir', dataDir, '--json', 'source', 'show', 'ERP']);
  expect(r.code, r.stderr).toBe(0);
  const settings = JSON.parse(r.stdout) as SourceSettings;
  expect(settingsText(settings, { kind: 'environment', variable: envVarNameFor(passwordAccount('erp')) })).toContain(
    'password: read from the environment variable ESG_SYNC_SECRET_SOURCE_ERP (secrets come from the environment on this agent; never shown)',
  );
  expect(settingsText(settings)).toContain('password: kept in the OS keychain (never shown)');
});
