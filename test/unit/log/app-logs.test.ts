import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createEngineApi } from '../../../main/engine/api';
import { Engine } from '../../../main/engine/engine';
import { createDispatcher } from '../../../main/engine/rpc-dispatch';

let dataDir: string | null = null;
afterEach(() => {
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

it('app.logs answers the folder the engine is writing its log into', async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'esg-app-logs-'));
  const engine = Engine.open({ dataDir, mode: 'headless' });
  try {
    const dispatch = createDispatcher(createEngineApi(engine));
    const r = await dispatch('app.logs', {});
    expect(r).toEqual({ ok: true, result: { dir: join(dataDir, 'logs'), currentFile: join(dataDir, 'logs', 'agent.log') } });
    expect(existsSync(join(dataDir, 'logs', 'agent.log'))).toBe(true); // "engine started" was written there
    expect(await dispatch('app.logs', { extra: 1 })).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
  } finally {
    await engine.stop();
  }
});
