import { describe, expect, it } from 'vitest';
import { Scheduler, nextRuns } from '../../../main/engine/sync/scheduler';
import { RunQueue } from '../../../main/engine/sync/run-queue';
import type { JobCatchUp } from '../../../shared/jobs';

function harness(schedule: string, timezone = 'UTC', catchUp: 'run-once' | 'skip' = 'run-once', jobCatchUp?: JobCatchUp) {
  let now = new Date('2026-01-10T10:00:00.500Z');
  const fired: { jobId: string; trigger: string; at: string }[] = [];
  const logged: { message: string; data?: Record<string, unknown> }[] = [];
  const slots = new Map<string, number>();
  const scheduler = new Scheduler({
    clock: { now: () => now },
    jobs: () => [{ id: 'j', schedule, timezone, ...(jobCatchUp ? { catchUp: jobCatchUp } : {}) }],
    fire: (jobId, trigger) => fired.push({ jobId, trigger, at: now.toISOString() }),
    catchUp: () => catchUp,
    lastSlot: { get: (id) => slots.get(id) ?? null, set: (id, v) => void slots.set(id, v) },
    log: (message, data) => logged.push({ message, data }),
  });
  return {
    fired,
    logged,
    tick: () => scheduler.tick(),
    set: (iso: string) => (now = new Date(iso)),
    advance: (ms: number) => (now = new Date(now.getTime() + ms)),
  };
}

describe('scheduler', () => {
  it('fires a seconds-resolution schedule once per slot', () => {
    const h = harness('*/10 * * * * *');
    h.tick(); // first sight: remembers the current slot, fires nothing
    for (let i = 0; i < 30; i++) {
      h.advance(1000);
      h.tick();
    }
    expect(h.fired.map((f) => f.trigger)).toEqual(['schedule', 'schedule', 'schedule']);
  });

  it('runs a job once as catch-up after a 3-day jump forward, and never twice after a jump back', () => {
    const h = harness('0 6 * * *');
    h.tick();
    h.advance(3 * 24 * 3600_000);
    h.tick();
    expect(h.fired).toEqual([expect.objectContaining({ trigger: 'catch-up' })]);
    h.advance(1000);
    h.tick();
    expect(h.fired).toHaveLength(1);
    h.advance(-2 * 24 * 3600_000); // clock set back two days
    h.tick();
    h.advance(24 * 3600_000);
    h.tick();
    expect(h.fired).toHaveLength(1);
  });

  it('skips missed runs when catch-up is off', () => {
    const h = harness('0 * * * *', 'UTC', 'skip');
    h.tick();
    h.advance(5 * 3600_000);
    h.tick();
    expect(h.fired).toHaveLength(0);
    h.set('2026-01-10T16:00:00.200Z');
    h.tick();
    expect(h.fired).toEqual([expect.objectContaining({ trigger: 'schedule' })]);
  });

  describe("a job's own catch-up choice", () => {
    /** Five hourly slots missed (the computer slept), then the next slot on time. */
    function missFiveHours(global: 'run-once' | 'skip', job?: JobCatchUp) {
      const h = harness('0 * * * *', 'UTC', global, job);
      h.tick();
      h.advance(5 * 3600_000);
      h.tick();
      const missed = [...h.fired];
      h.set('2026-01-10T16:00:00.200Z');
      h.tick();
      return { missed, all: h.fired.map((f) => f.trigger), logged: h.logged.filter((l) => l.message.startsWith('missed runs skipped')) };
    }

    it("'skip' skips missed runs although the agent's setting is 'run-once', and says the job chose it", () => {
      const r = missFiveHours('run-once', 'skip');
      expect(r.missed).toEqual([]);
      expect(r.all).toEqual(['schedule']); // the next slot still runs on time
      expect(r.logged).toEqual([{ message: 'missed runs skipped (the job is set to skip them)', data: { jobId: 'j', reason: 'job' } }]);
    });

    it("'run-once' fires one catch-up run although the agent's setting is 'skip'", () => {
      const r = missFiveHours('skip', 'run-once');
      expect(r.missed).toEqual([expect.objectContaining({ jobId: 'j', trigger: 'catch-up' })]);
      expect(r.all).toEqual(['catch-up', 'schedule']);
      expect(r.logged).toEqual([]);
    });

    it("'default' (or no choice, as in configs saved before there was one) follows the agent's setting", () => {
      for (const job of ['default', undefined] as const) {
        expect(missFiveHours('run-once', job).all).toEqual(['catch-up', 'schedule']);
        const skipped = missFiveHours('skip', job);
        expect(skipped.all).toEqual(['schedule']);
        expect(skipped.logged).toEqual([{ message: "missed runs skipped (catch-up is off in the agent's settings)", data: { jobId: 'j', reason: 'global' } }]);
      }
    });

    it('a slot fired on time is a scheduled run whatever the choice', () => {
      const h = harness('*/10 * * * * *', 'UTC', 'skip', 'skip');
      h.tick();
      h.advance(10_000);
      h.tick();
      expect(h.fired.map((f) => f.trigger)).toEqual(['schedule']);
    });
  });

  it('keeps local wall-clock times across DST changes', () => {
    // 06:30 in London: 06:30Z in winter, 05:30Z after the clocks go forward on 29 March 2026.
    const runs = nextRuns('30 6 * * *', 'Europe/London', new Date('2026-03-27T12:00:00Z'), 4);
    expect(runs).toEqual(['2026-03-28T06:30:00.000Z', '2026-03-29T05:30:00.000Z', '2026-03-30T05:30:00.000Z', '2026-03-31T05:30:00.000Z']);
    const autumn = nextRuns('30 6 * * *', 'Europe/London', new Date('2026-10-24T12:00:00Z'), 2);
    expect(autumn).toEqual(['2026-10-25T06:30:00.000Z', '2026-10-26T06:30:00.000Z']);
  });
});

describe('run queue', () => {
  it('runs one run per job, queues one follow-up, and limits runs per connection', async () => {
    const log: string[] = [];
    const gates = new Map<string, () => void>();
    const queue = new RunQueue<string>(
      (r) =>
        new Promise<void>((resolve) => {
          log.push(`start ${r.request}`);
          gates.set(r.request, () => {
            log.push(`end ${r.request}`);
            resolve();
          });
        }),
      { total: 4, perConnection: 2 },
    );
    expect(queue.enqueue({ jobId: 'a', connectionId: 'c1', request: 'a1' }, { coalesce: true })).toBe(true);
    expect(queue.enqueue({ jobId: 'a', connectionId: 'c1', request: 'a2' }, { coalesce: true })).toBe(true);
    expect(queue.enqueue({ jobId: 'a', connectionId: 'c1', request: 'a3' }, { coalesce: true })).toBe(false);
    queue.enqueue({ jobId: 'b', connectionId: 'c1', request: 'b1' }, { coalesce: true });
    queue.enqueue({ jobId: 'c', connectionId: 'c1', request: 'c1' }, { coalesce: true });
    queue.enqueue({ jobId: 'd', connectionId: 'c2', request: 'd1' }, { coalesce: true });
    expect(log).toEqual(['start a1', 'start b1', 'start d1']);
    gates.get('a1')!();
    await new Promise((r) => setTimeout(r, 0));
    expect(log).toContain('start a2');
    expect(log).not.toContain('start c1');
    gates.get('b1')!();
    await new Promise((r) => setTimeout(r, 0));
    expect(log).toContain('start c1');
    for (const k of ['a2', 'c1', 'd1']) gates.get(k)!();
    await queue.onIdle();
    expect(queue.size).toBe(0);
  });
});

describe('scheduler cost when idle', () => {
  it('does no cron arithmetic on ticks before a job’s next slot, and still fires that slot on time', async () => {
    const { vi } = await import('vitest');
    const { CronExpressionParser } = await import('cron-parser');
    const parse = vi.spyOn(CronExpressionParser, 'parse');
    try {
      let now = new Date('2026-01-10T10:00:00.500Z');
      const fired: string[] = [];
      const slots = new Map<string, number>();
      const jobs = Array.from({ length: 10 }, (_, i) => ({ id: `j${i}`, schedule: `${30 + i} * * * *`, timezone: 'Europe/Berlin' }));
      const scheduler = new Scheduler({
        clock: { now: () => now },
        jobs: () => jobs,
        fire: (jobId) => fired.push(`${jobId}@${now.toISOString().slice(11, 16)}`),
        catchUp: () => 'run-once',
        lastSlot: { get: (id) => slots.get(id) ?? null, set: (id, v) => void slots.set(id, v) },
      });
      scheduler.tick();
      parse.mockClear();
      // Ten minutes of one-second ticks; the first job is due at 10:30.
      for (let i = 0; i < 600; i++) {
        now = new Date(now.getTime() + 1000);
        scheduler.tick();
      }
      // One look per job (its next slot), not one per job per tick (6,000).
      expect(parse.mock.calls.length).toBeLessThanOrEqual(jobs.length);
      expect(fired).toEqual([]);
      now = new Date('2026-01-10T10:30:00.200Z');
      scheduler.tick();
      expect(fired).toEqual(['j0@10:30']);
      now = new Date('2026-01-10T10:31:00.200Z');
      scheduler.tick();
      expect(fired).toEqual(['j0@10:30', 'j1@10:31']);
    } finally {
      parse.mockRestore();
    }
  });
});
