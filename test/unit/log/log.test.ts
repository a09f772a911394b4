import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, isSecretKey, redactDeep, RotatingFileStream, scrubText } from '../../../main/engine/log';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'esg-log-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const allLogText = () =>
  readdirSync(dir)
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('');

describe('RotatingFileStream', () => {
  it('rotates by size and keeps only the configured number of old files', () => {
    const s = new RotatingFileStream({ file: join(dir, 'agent.log'), maxBytes: 2048, keepFiles: 3 });
    const line = (i: number) => `${JSON.stringify({ i, pad: 'x'.repeat(90) })}\n`; // ~110 bytes
    for (let i = 0; i < 200; i++) s.write(line(i));
    s.end();
    expect(readdirSync(dir).sort()).toEqual(['agent.log', 'agent.log.1', 'agent.log.2', 'agent.log.3']);
    for (const f of readdirSync(dir)) expect(statSync(join(dir, f)).size).toBeLessThanOrEqual(2048);
    // Newest lines in the current file, the generation before in .1, and nothing lost between them.
    const current = readFileSync(join(dir, 'agent.log'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { i: number }).i);
    const previous = readFileSync(join(dir, 'agent.log.1'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { i: number }).i);
    expect(current.at(-1)).toBe(199);
    expect(previous.at(-1)! + 1).toBe(current[0]);
    expect(s.dropped).toBe(0);
  });

  it('continues an existing file and counts its size', () => {
    const file = join(dir, 'agent.log');
    const a = new RotatingFileStream({ file, maxBytes: 1024 });
    a.write('a'.repeat(1000) + '\n');
    a.end();
    const b = new RotatingFileStream({ file, maxBytes: 1024 });
    b.write('b'.repeat(100) + '\n');
    b.end();
    expect(readFileSync(join(dir, 'agent.log.1'), 'utf8')).toMatch(/^a+\n$/);
    expect(readFileSync(file, 'utf8')).toMatch(/^b+\n$/);
  });

  it('reopens instead of rotating again when another process already rotated the file', () => {
    const file = join(dir, 'agent.log');
    const agent = new RotatingFileStream({ file, maxBytes: 1024, keepFiles: 5 });
    const cli = new RotatingFileStream({ file, maxBytes: 1024, keepFiles: 5 });
    agent.write('A'.repeat(900) + '\n');
    cli.write('C'.repeat(50) + '\n');
    cli.write('C'.repeat(200) + '\n'); // cli thinks the file is 951 bytes and rotates
    agent.write('A'.repeat(200) + '\n'); // agent's counter says rotate, but the file on disk is already new
    agent.end();
    cli.end();
    expect(readdirSync(dir).sort()).toEqual(['agent.log', 'agent.log.1']);
    expect(readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => l[0])).toEqual(['C', 'A']);
  });

  it('starts a new file when the log folder was deleted while running', () => {
    const sub = join(dir, 'logs');
    const s = new RotatingFileStream({ file: join(sub, 'agent.log'), maxBytes: 1024, recheckMs: 0 });
    s.write('first\n');
    rmSync(sub, { recursive: true, force: true });
    expect(() => s.write('second\n')).not.toThrow();
    s.write('third\n');
    s.end();
    expect(readFileSync(join(sub, 'agent.log'), 'utf8')).toBe('second\nthird\n');
  });
});

describe('redaction', () => {
  it('recognises secret-like keys but not their harmless neighbours', () => {
    for (const k of ['clientSecret', 'client_secret', 'password', 'Authorization', 'x-api-key', 'refresh_token', 'accessToken', 'cookie', 'privateKey'])
      expect(isSecretKey(k), k).toBe(true);
    for (const k of ['tokenUrl', 'clientId', 'secretStore', 'passwordPolicy', 'maxTokens', 'name']) expect(isSecretKey(k), k).toBe(false);
  });

  it('censors nested keys, headers, errors and secrets inside text', () => {
    const err = Object.assign(new Error('token request failed: client_secret=abc123&grant_type=x'), { config: { headers: { Authorization: 'Bearer zzz' } } });
    const out = JSON.stringify(redactDeep({ a: [{ clientSecret: 's1' }], err, url: 'https://user:pw@host.example/x' }));
    for (const s of ['s1', 'abc123', 'zzz', ':pw@']) expect(out).not.toContain(s);
    expect(out).toContain('grant_type=x');
    expect(scrubText('{"client_secret":"v","name":"n"}')).toBe('{"client_secret":"[redacted]","name":"n"}');
  });

  it('handles cycles without throwing', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    expect(JSON.stringify(redactDeep(a))).toContain('[circular]');
  });

  it('keeps every secret out of the log file, whatever shape it is logged in', () => {
    const secret = `s-${randomBytes(12).toString('hex')}`;
    const logger = createLogger({ logDir: dir, maxBytes: 4096, keepFiles: 20 });
    logger.info({ clientSecret: secret, nested: { deep: { password: secret } } }, 'connection added');
    logger.child({ token: secret }).info('child logger');
    logger.warn({ headers: { authorization: `Bearer ${secret}` } }, 'request');
    logger.error(new Error(`platform said: client_secret=${secret}`));
    logger.info(`posting form client_secret=${secret}`);
    logger.info({ body: JSON.stringify({ client_secret: secret }) }, 'body');
    for (let i = 0; i < 100; i++) logger.info({ i, secret }, 'filler to force a rotation');
    logger.flush();
    const text = allLogText();
    expect(readdirSync(dir).length).toBeGreaterThan(1);
    expect(text).toContain('connection added');
    expect(text).toContain('[redacted]');
    expect(text).not.toContain(secret);
  });
});
