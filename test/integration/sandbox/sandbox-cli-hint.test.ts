/**
 * The line `esg-sync sandbox` prints to connect to it is a command that works as printed: run
 * word for word (secret on stdin), it adds a connection that signs in.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { KeychainSecretStore } from '../../../main/engine/secrets';
import { runSandboxCommand } from '../../../main/sandbox';
import { CLI } from '../../helpers/agent-process';
import { keychainOrSkipReason, TEST_KEYCHAIN_SERVICE } from '../../helpers/keychain';

const probe = await keychainOrSkipReason();

it.skipIf(!probe.ok)('prints a connection add command that works as printed', { timeout: 60_000 }, async () => {
  const lines: string[] = [];
  const sandbox = await runSandboxCommand({ port: 0, print: (l) => lines.push(l) });
  const dataDir = mkdtempSync(join(tmpdir(), 'esg-sandbox-hint-'));
  try {
    const hint = lines.find((l) => l.startsWith('Add it with: '));
    expect(hint).toBeDefined();
    const m = /^Add it with: echo (\S+) \| esg-sync (.+)$/.exec(hint!);
    expect(m).not.toBeNull();
    const [, secret, command] = m!;
    const args = command!.split(' ');
    const result = await new Promise<{ code: number | null; out: string }>((done) => {
      const child = spawn(process.execPath, [CLI, '--data-dir', dataDir, '--json', ...args], {
        env: { ...process.env, ESG_SYNC_KEYCHAIN_SERVICE: TEST_KEYCHAIN_SERVICE },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.stdin.end(`${secret}\n`);
      child.on('exit', (code) => done({ code, out }));
    });
    expect(result.out).not.toMatch(/error: unknown option/);
    expect(result.code).toBe(0);
    const reply = JSON.parse(result.out.slice(result.out.indexOf('{'))) as { saved: boolean; connection: { id: string; name: string; kind: string } };
    expect(reply.saved).toBe(true);
    expect(reply.connection).toMatchObject({ name: 'Sandbox', kind: 'esg-api' });
    await new KeychainSecretStore({ service: TEST_KEYCHAIN_SERVICE }).delete(reply.connection.id).catch(() => undefined);
  } finally {
    await sandbox.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
