import { describe, expect, it } from 'vitest';
import { BatchPipeline } from '../../../main/engine/sync/batch-pipeline';

const deferred = () => {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};
const tick = () => new Promise((r) => setImmediate(r));

describe('BatchPipeline', () => {
  it('never runs more than its limit at once and waits for a free slot', async () => {
    const p = new BatchPipeline(2);
    const gates = [deferred(), deferred(), deferred()];
    let started = 0;
    await p.add(() => (started++, gates[0]!.promise));
    await p.add(() => (started++, gates[1]!.promise));
    let thirdAdded = false;
    const third = p.add(() => (started++, gates[2]!.promise)).then(() => (thirdAdded = true));
    await tick();
    expect([started, p.inFlight, thirdAdded]).toEqual([2, 2, false]);
    gates[1]!.resolve();
    await third;
    expect([started, p.inFlight]).toEqual([3, 2]);
    gates[0]!.resolve();
    gates[2]!.resolve();
    await p.drain();
    expect(p.inFlight).toBe(0);
  });

  it('starts nothing after a failure and rethrows it once the tasks already started have settled', async () => {
    const p = new BatchPipeline(2);
    const slow = deferred();
    let slowDone = false;
    await p.add(() => slow.promise.then(() => void (slowDone = true)));
    await p.add(() => Promise.reject(new Error('batch 2 refused')));
    await tick();
    let ran = false;
    const next = p.add(async () => void (ran = true));
    await tick();
    slow.resolve();
    await expect(next).rejects.toThrow('batch 2 refused');
    expect([ran, slowDone]).toEqual([false, true]);
    await expect(p.drain()).rejects.toThrow('batch 2 refused');
  });

  it('refuses a limit below one', () => {
    expect(() => new BatchPipeline(0)).toThrow(/at least 1/);
  });
});
