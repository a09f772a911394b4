/**
 * An Altruistiq connection carries the e-mail of the user uploads are attributed to (the spec's
 * `userEmail` on "start multipart upload"). `esg-sync connection add` requires and checks it,
 * stores it in the connection's options, and shows it back; other platforms refuse it.
 * A child process with the real keychain (scripts/with-keyring.sh) against a local server that
 * speaks Altruistiq's token and organisation endpoints.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeychainSecretStore } from '../../../main/engine/secrets';
import { keychainOrSkipReason, TEST_KEYCHAIN_SERVICE } from '../../helpers/keychain';
import { sendJson, startServer, type TestServer } from '../../unit/platforms/helpers/test-server';

const probe = await keychainOrSkipReason();
const ROOT = resolve(import.meta.dirname, '../../..');
const API = '/api/public/v1';
const SECRET = 'aq-cli-secret-7d1f0c';

let aq: TestServer;
let dataDir: string;

function cli(args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const argv = ['--import', 'tsx', join(ROOT, 'main/agent/main.ts'), '--data-dir', dataDir, ...args];
  return new Promise((done) => {
    const child = spawn(process.execPath, argv, { cwd: ROOT, env: { ...process.env, ESG_SYNC_KEYCHAIN_SERVICE: TEST_KEYCHAIN_SERVICE }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.end(stdin);
    child.on('exit', (code) => done({ code, stdout, stderr }));
  });
}

describe.skipIf(!probe.ok)('esg-sync connection add --kind altruistiq', () => {
  beforeAll(async () => {
    aq = await startServer((req, res) => {
      if (req.path === `${API}/oauth2/token` && req.method === 'POST') {
        const form = new URLSearchParams(req.body.toString());
        if (form.get('client_id') !== 'aq-client' || form.get('client_secret') !== SECRET) return sendJson(res, 401, { status: 'Unauthorized' });
        return sendJson(res, 200, { access_token: 'aq-token', token_type: 'Bearer', expires_in: 3600 });
      }
      if (req.headers.authorization !== 'Bearer aq-token') return sendJson(res, 401, { status: 'Unauthorized' });
      if (req.path === `${API}/organization/`) return sendJson(res, 200, { organizations: [{ id: 'o1', name: 'Acme Corporation' }] });
      sendJson(res, 404, { status: 'Not found' });
    });
    dataDir = mkdtempSync(join(tmpdir(), 'esg-aq-cli-'));
  });
  afterAll(async () => {
    await new KeychainSecretStore({ service: TEST_KEYCHAIN_SERVICE }).delete('altruistiq-prod').catch(() => undefined);
    await aq?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const add = () => ['connection', 'add', '--name', 'Altruistiq prod', '--kind', 'altruistiq', '--base-url', aq.url, '--client-id', 'aq-client', '--client-secret-stdin'];

  it('requires a valid --user-email, saves it with the connection and lists it', { timeout: 120_000 }, async () => {
    const missing = await cli(add(), SECRET);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/needs --user-email/);

    const bad = await cli([...add(), '--user-email', 'ops-at-example'], SECRET);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/"ops-at-example" is not an e-mail address/);
    expect(aq.requests).toHaveLength(0); // refused before anything reached the platform

    const ok = await cli(['--json', ...add(), '--user-email', ' ops@example.com '], `${SECRET}\n`);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ saved: true, connection: { kind: 'altruistiq', userEmail: 'ops@example.com' } });

    const list = await cli(['--json', 'connection', 'list']);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ name: 'Altruistiq prod', kind: 'altruistiq', userEmail: 'ops@example.com', lastTestOk: true })]);
  });

  it('refuses --user-email on platforms that do not use one', async () => {
    const r = await cli(['connection', 'add', '--name', 'X', '--kind', 'esg-api', '--base-url', aq.url, '--client-id', 'c', '--client-secret-stdin', '--user-email', 'ops@example.com'], 's');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/only for Altruistiq/);
  });
});
