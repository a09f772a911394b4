import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../main/engine/log';

let dir: string;
const saved = process.env.ESG_SYNC_LOG_LEVEL;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'esg-log-format-'));
  delete process.env.ESG_SYNC_LOG_LEVEL;
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  if (saved === undefined) delete process.env.ESG_SYNC_LOG_LEVEL;
  else process.env.ESG_SYNC_LOG_LEVEL = saved;
});

const lines = () =>
  readFileSync(join(dir, 'agent.log'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { time: unknown; level: number; msg: string });

describe('agent.log lines', () => {
  it('carry ISO 8601 UTC times a person can read', () => {
    const before = Date.now();
    const logger = createLogger({ logDir: dir });
    logger.info({ job: 'j' }, 'engine started');
    logger.flush();
    const [line] = lines();
    expect(line!.msg).toBe('engine started');
    expect(line!.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const at = Date.parse(line!.time as string);
    expect(at).toBeGreaterThanOrEqual(before - 1000);
    expect(at).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it('honour ESG_SYNC_LOG_LEVEL, in any case', () => {
    process.env.ESG_SYNC_LOG_LEVEL = 'WARN';
    const logger = createLogger({ logDir: dir });
    expect(logger.level).toBe('warn');
    logger.info('not written');
    logger.warn('written');
    expect(lines().map((l) => l.msg)).toEqual(['written']);
  });

  it('an empty ESG_SYNC_LOG_LEVEL means info', () => {
    process.env.ESG_SYNC_LOG_LEVEL = '';
    expect(createLogger({ logDir: dir }).level).toBe('info');
  });

  it('a level that does not exist logs at info and says so instead of stopping the agent', () => {
    process.env.ESG_SYNC_LOG_LEVEL = 'warning';
    let logger: ReturnType<typeof createLogger> | undefined;
    expect(() => (logger = createLogger({ logDir: dir }))).not.toThrow();
    expect(logger!.level).toBe('info');
    logger!.info('carries on');
    const all = lines();
    expect(all[0]!.msg).toMatch(/log level "warning" is not one of silent, fatal, error, warn, info, debug, trace; logging at info/);
    expect(all[1]!.msg).toBe('carries on');
  });

  it('silent writes nothing', () => {
    const logger = createLogger({ logDir: dir, level: 'silent' });
    logger.fatal('nothing');
    expect(() => readFileSync(join(dir, 'agent.log'))).toThrow();
  });
});
