/**
 * `esg-sync connection ...` as a user runs it: a child process, the secret piped on stdin, the
 * real keychain (scripts/with-keyring.sh) and the sandbox on a loopback port.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeychainSecretStore } from '../../../main/engine/secrets';
import { ALL_SCOPES, startSandbox, type RunningSandbox } from '../../../main/sandbox';
import { folderKeychain, keychainOrSkipReason, storeIdOf, TEST_KEYCHAIN_SERVICE } from '../../helpers/keychain';

const probe = await keychainOrSkipReason();
const ROOT = resolve(import.meta.dirname, '../../..');
const SECRET = `cli-secret-${randomBytes(16).toString('hex')}`;

let sandbox: RunningSandbox;
let dataDir: string;

function cli(args: string[], stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string; argv: string[] }> {
  const argv = ['--import', 'tsx', join(ROOT, 'main/agent/main.ts'), '--data-dir', dataDir, ...args];
  return new Promise((done) => {
    const child = spawn(process.execPath, argv, { cwd: ROOT, env: { ...process.env, ESG_SYNC_KEYCHAIN_SERVICE: TEST_KEYCHAIN_SERVICE }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.end(stdin ?? '');
    child.on('exit', (code) => done({ code, stdout, stderr, argv }));
  });
}

describe.skipIf(!probe.ok)('esg-sync connection', () => {
  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, accounts: [{ clientId: 'cli-client', clientSecret: SECRET, name: 'CLI agent', scopes: [...ALL_SCOPES] }] });
    dataDir = mkdtempSync(join(tmpdir(), 'esg-conn-cli-'));
  });
  afterAll(async () => {
    await new KeychainSecretStore({ service: TEST_KEYCHAIN_SERVICE }).delete('cli-sandbox').catch(() => undefined);
    await sandbox.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const add = ['connection', 'add', '--name', 'CLI sandbox', '--kind', 'esg-api', '--client-id', 'cli-client'];

  it('takes the secret from stdin only, exits 3 when the platform refuses, and saves on success', { timeout: 180_000 }, async () => {
    const noFlag = await cli([...add, '--base-url', sandbox.url]);
    expect(noFlag.code).toBe(2);
    expect(noFlag.stderr).toMatch(/--client-secret-stdin/);

    const wrong = await cli([...add, '--base-url', sandbox.url, '--client-secret-stdin'], 'wrong-secret-value\n');
    expect(wrong.code).toBe(3);
    expect(wrong.stdout).toMatch(/401 invalid_client/);

    const unreachable = await cli([...add, '--base-url', 'https://esg-sync-cli-test.invalid', '--client-secret-stdin'], SECRET);
    expect(unreachable.code).toBe(3);
    expect(unreachable.stdout).toMatch(/Could not resolve the host name/);

    const ok = await cli(['--json', ...add, '--base-url', sandbox.url, '--client-secret-stdin'], `${SECRET}\n`);
    expect(ok.code).toBe(0);
    const saved = JSON.parse(ok.stdout) as { saved: boolean; connection: { id: string } };
    expect(saved).toMatchObject({ saved: true, connection: { id: 'cli-sandbox' } });
    expect(ok.argv.join(' ')).not.toContain(SECRET);
    expect(ok.stdout + ok.stderr).not.toContain(SECRET);
    expect(await folderKeychain(() => storeIdOf(dataDir)).get('cli-sandbox')).toBe(SECRET);

    const list = await cli(['--json', 'connection', 'list']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ name: 'CLI sandbox', lastTestOk: true, userEmail: null })]);

    expect((await cli(['connection', 'test', 'CLI sandbox'])).code).toBe(0);
    const rotate = await cli(['connection', 'rotate', 'cli-sandbox', '--client-secret-stdin'], 'another-wrong-one');
    expect(rotate.code).toBe(3);
    expect(rotate.stdout).toMatch(/previous secret stays in use/);

    const removed = await cli(['connection', 'remove', 'cli-sandbox']);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toMatch(/and its secret in the keychain/);
    expect(await folderKeychain(() => storeIdOf(dataDir)).get('cli-sandbox')).toBeNull();
    expect((await cli(['connection', 'test', 'cli-sandbox'])).code).toBe(2);
  });
});
