/**
 * The agent side of the memory benchmark, in its own process so its peak RSS is its own: opens
 * a fresh engine, connects to the sandbox, and runs one file-triggered ingest of FILE through
 * the SyncService's job runner (the path a dropped file takes). Prints one JSON line with the
 * run's counts, its duration and the process's peak RSS (VmHWM).
 *
 *   node dist/bench/ingest-agent.mjs --data-dir DIR --file FILE --sandbox URL
 */
import { statSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { dirname } from 'node:path';
import { applyHeapPolicy } from '../../../main/engine/runtime/heap-policy';
import { SyncService } from '../../../main/engine/sync/service';
import { readMemory } from '../lib/proc';
import { addFolderIngestJob, addSandboxConnection, openBenchEngine } from '../lib/wiring';

async function profiled(out: string, fn: () => Promise<unknown>): Promise<void> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 500 });
  await post('Profiler.start');
  await fn();
  const { profile } = (await post('Profiler.stop')) as { profile: unknown };
  writeFileSync(out, JSON.stringify(profile));
  session.disconnect();
}

function arg(name: string): string {
  const i = process.argv.indexOf(name);
  const v = i === -1 ? undefined : process.argv[i + 1];
  if (!v) throw new Error(`${name} is required`);
  return v;
}

async function main(): Promise<void> {
  // As main/agent/main.ts does: this child stands in for the agent process.
  applyHeapPolicy();
  const dataDir = arg('--data-dir');
  const file = arg('--file');
  const sandboxUrl = arg('--sandbox');
  const { engine, call } = await openBenchEngine(dataDir);
  try {
    const connectionId = await addSandboxConnection(engine, call, sandboxUrl);
    const job = await addFolderIngestJob(engine, call, { key: 'mem', folder: dirname(file), connectionId });
    const sync = new SyncService(engine);
    engine.sync = sync;
    const before = readMemory();
    // Heap figures say whether a peak is V8 garbage waiting for collection or data held.
    let peakHeapTotal = 0;
    let peakExternal = 0;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakHeapTotal = Math.max(peakHeapTotal, m.heapTotal);
      peakExternal = Math.max(peakExternal, m.external);
    }, 100);
    // The sha256 is the watcher's work, done before a run starts; it does not change what the run holds in memory.
    const runOnce = () => sync.runner.run({ jobId: job.jobId, trigger: 'file', file: { path: file, sha256: 'bench', size: statSync(file).size } });
    const t0 = performance.now();
    const summary = await runOnce();
    const seconds = (performance.now() - t0) / 1000;
    // BENCH_PROFILE_RESYNC=FILE: run the file again (all unchanged) under the CPU profiler, for hotspots of the re-sync alone.
    if (process.env.BENCH_PROFILE_RESYNC) await profiled(process.env.BENCH_PROFILE_RESYNC, runOnce);
    clearInterval(sampler);
    const mem = readMemory();
    const heap = process.memoryUsage();
    const MB = 1024 * 1024;
    // Started with --expose-gc: what the heap still holds once garbage is collected (data kept, not churn).
    (globalThis as { gc?: () => void }).gc?.();
    const heapAfterGc = process.memoryUsage().heapUsed;
    process.stdout.write(
      `${JSON.stringify({
        status: summary.status,
        error: summary.error,
        read: summary.read,
        created: summary.created,
        rejected: summary.rejected,
        seconds,
        startRssMb: before?.rssMb ?? null,
        peakRssMb: mem?.peakRssMb ?? null,
        endRssMb: mem?.rssMb ?? null,
        peakHeapTotalMb: peakHeapTotal / MB,
        peakExternalMb: peakExternal / MB,
        endHeapUsedMb: heap.heapUsed / MB,
        heapUsedAfterGcMb: heapAfterGc / MB,
      })}\n`,
    );
  } finally {
    await engine.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench ingest agent failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
