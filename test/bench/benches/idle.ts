/**
 * Benchmark 7: the real `esg-sync agent` (bundled as `npm run build` bundles it) with 10 watched
 * folders and 10 scheduled jobs, left idle. CPU time is read from /proc/<pid>/stat at the start
 * and end of the idle window (after a settle period for start-up), RSS from /proc/<pid>/status.
 */
import { join } from 'node:path';
import { envVarNameFor } from '../../../main/engine/secrets';
import { startSandbox } from '../../../main/sandbox';
import { buildChildren, startChild } from '../lib/children';
import { readCpuSeconds, readMemory } from '../lib/proc';
import { round } from '../lib/stats';
import { addFolderIngestJob, addSandboxConnection, api, openBenchEngine } from '../lib/wiring';
import type { BenchContext, BenchResult } from './context';

const FOLDERS = 10;
const SCHEDULED = 10;
const SETTLE_MS = 5000;
/** CPU seconds allowed per 60 s of idling. */
const BUDGET_CPU_PER_MINUTE = 1;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function idleBenchmark(ctx: BenchContext): Promise<BenchResult> {
  await buildChildren();
  const dataDir = ctx.folder('idle', 'agent-data');
  const sandbox = await startSandbox({ port: 0 });
  let connectionId: string;
  try {
    // Set up with the engine in-process, then hand the data folder to the agent process.
    const { engine, call } = await openBenchEngine(dataDir);
    try {
      connectionId = await addSandboxConnection(engine, call, sandbox.url);
      for (let i = 0; i < FOLDERS; i++) await addFolderIngestJob(engine, call, { key: `idle${i}`, folder: ctx.folder('idle', `drop-${i}`), connectionId });
      for (let i = 0; i < SCHEDULED; i++) {
        // Daily at a fixed hour, spread over the day: none falls inside a one-minute idle window unless the clock is there.
        await api(call, 'jobs.add', {
          name: `Nightly export ${i}`,
          type: 'export',
          connectionId,
          config: { schedule: `${i * 5} ${(new Date().getUTCHours() + 6 + i) % 24} * * *`, timezone: 'UTC', export: { dataset: 'submissions', destination: { kind: 'folder', path: ctx.folder('idle', `out-${i}`), format: 'csv' } } },
        });
      }
    } finally {
      await engine.stop();
    }

    const agent = startChild<{ url: string; pid: number }>('agentCli', ['--data-dir', dataDir, '--json', 'agent', '--port', '0'], {
      ESG_SYNC_ALLOW_ENV_SECRETS: '1',
      [envVarNameFor(connectionId)]: 'sandbox-secret',
    });
    try {
      const info = await agent.first;
      const pid = agent.child.pid!;
      await sleep(SETTLE_MS);
      const cpu0 = readCpuSeconds(pid);
      const t0 = performance.now();
      ctx.log(`  agent ${info.url} idle for ${ctx.sizes.idleSeconds} s…`);
      await sleep(ctx.sizes.idleSeconds * 1000);
      const cpu1 = readCpuSeconds(pid);
      const wall = (performance.now() - t0) / 1000;
      const mem = readMemory(pid);
      if (!mem) throw new Error('Could not read the agent process memory from /proc.');
      const cpu = cpu1 - cpu0;
      const budget = (BUDGET_CPU_PER_MINUTE * ctx.sizes.idleSeconds) / 60;
      ctx.log(`  idle CPU ${round(cpu, 3)} s over ${round(wall, 1)} s; RSS ${round(mem.rssMb, 1)} MB`);
      return {
        id: 7,
        name: 'Idle agent',
        pass: cpu <= budget,
        headline: `${round(cpu, 2)} s CPU in ${round(wall, 0)} s idle; RSS ${round(mem.rssMb, 1)} MB`,
        budget: `CPU ≤ ${round(budget, 2)} s per ${ctx.sizes.idleSeconds} s`,
        details: { folders: FOLDERS, scheduledJobs: SCHEDULED, idleSeconds: round(wall, 1), cpuSeconds: round(cpu, 3), startupCpuSeconds: round(cpu0, 2), rssMb: round(mem.rssMb, 1), peakRssMb: round(mem.peakRssMb, 1), dataDir: join('…', 'idle', 'agent-data') },
      };
    } finally {
      await agent.stop();
    }
  } finally {
    await sandbox.close();
  }
}
