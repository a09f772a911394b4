/**
 * Pausing is saved before it takes effect: a store that refuses the write (locked by another
 * process, disk full) fails the call and leaves the engine running, instead of a pause held only
 * in memory that a restart would silently undo.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Engine } from '../../../main/engine/engine';

let dir: string;
let engine: Engine;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'esg-pause-'));
  engine = Engine.open({ dataDir: dir, mode: 'headless', fileLogs: false });
});
afterEach(async () => {
  await engine.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('keeps the engine running when the pause cannot be saved, and pauses once it can', () => {
  const settings = engine.store.settings;
  const save = settings.setRaw.bind(settings);
  settings.setRaw = () => {
    throw new Error('database is locked');
  };
  expect(() => engine.pause(60)).toThrow(/locked/);
  expect(engine.status().pausedUntil).toBeNull();
  settings.setRaw = save;
  engine.pause(null);
  expect(engine.status().pausedUntil).toBe('forever');
  expect(settings.getRaw('pausedUntil')).toBe('forever');
});

it('stays paused when the resume cannot be saved', () => {
  engine.pause(null);
  const settings = engine.store.settings;
  const remove = settings.deleteRaw.bind(settings);
  settings.deleteRaw = () => {
    throw new Error('disk I/O error');
  };
  expect(() => engine.resume()).toThrow(/I\/O/);
  expect(engine.status().pausedUntil).toBe('forever');
  settings.deleteRaw = remove;
  engine.resume();
  expect(engine.status().pausedUntil).toBeNull();
});
