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

it('a timed pause ends on its own and is announced, but not once the engine has stopped', async () => {
  const changes: unknown[] = [];
  engine.events.subscribe((event, payload) => {
    if (event === 'engine.changed') changes.push(payload);
  });
  engine.pause(0.001); // 60 ms
  await new Promise((r) => setTimeout(r, 400));
  expect(changes.length).toBeGreaterThanOrEqual(2); // paused, then ended
  expect(changes.at(-1)).toMatchObject({ pausedUntil: null });

  // Ended while being asked, right before a one-command engine closes its store: no late announcement.
  engine.pause(0.0001);
  await new Promise((r) => setTimeout(r, 20));
  const before = changes.length;
  expect(engine.isPaused()).toBe(false);
  await engine.stop();
  await new Promise((r) => setImmediate(r));
  expect(changes.length).toBe(before);
});
