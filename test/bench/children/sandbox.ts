/**
 * The sandbox platform in its own process, as a remote platform would be: the agent's CPU and
 * memory are then measured without the platform's. Prints one JSON line with its URL, then
 * serves until SIGTERM.
 *
 *   node dist/bench/sandbox.mjs --db FILE [--seed N]
 *
 * --seed N inserts submissions directly into the sandbox database until it holds N (used by the
 * export benchmark when it runs without the ingest benchmark before it).
 */
import { startSandbox, SEED_ENTITIES, SEED_METRICS, DEMO_ACCOUNT } from '../../../main/sandbox';
import type { SandboxDb } from '../../../main/sandbox/db';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

async function main(): Promise<void> {
  const dbPath = arg('--db');
  if (!dbPath) throw new Error('--db FILE is required');
  const sandbox = await startSandbox({ port: 0, dbPath, tokenTtlSeconds: 24 * 3600 });
  const seed = Number(arg('--seed') ?? 0);
  if (seed > 0) seedSubmissions(sandbox.db, seed);
  process.stdout.write(`${JSON.stringify({ url: sandbox.url, pid: process.pid, submissions: sandbox.countSubmissions() })}\n`);
  const stop = () => void sandbox.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

function seedSubmissions(db: SandboxDb, target: number): void {
  const have = (db.prepare('SELECT COUNT(*) AS n FROM submissions').get() as { n: number }).n;
  if (have >= target) return;
  const metrics = SEED_METRICS.filter((m) => m.apiWritable && m.valueType === 'number');
  const ins = db.prepare(
    `INSERT INTO submissions (id, metric_id, entity_id, period_start, period_end, value_json, value_num, unit, comment, evidence,
       version, created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 1, ?, ?, ?, ?)`,
  );
  const pairs = metrics.length * SEED_ENTITIES.length;
  const base = Date.UTC(1900, 0, 1);
  // Timestamps advance like a real ingest's (a few rows per millisecond): a single shared one
  // would make every export page rescan one huge group of equal updated_at values.
  const t0 = Date.now() - Math.ceil(target / 5);
  for (let i = have; i < target; ) {
    const end = Math.min(target, i + 50_000);
    db.transaction(() => {
      for (; i < end; i++) {
        const m = metrics[Math.floor((i % pairs) / SEED_ENTITIES.length)]!;
        const e = SEED_ENTITIES[i % SEED_ENTITIES.length]!;
        const day = new Date(base + Math.floor(i / pairs) * 86_400_000).toISOString().slice(0, 10);
        const v = ((i * 7919) % 1_000_000) / 100;
        const stamp = new Date(t0 + Math.floor(i / 5)).toISOString();
        ins.run(`sub_seed${i.toString(36)}`, m.id, e.id, day, day, JSON.stringify(v), v, m.unit, i % 10 === 0 ? 'estimated' : null, stamp, DEMO_ACCOUNT.clientId, stamp, DEMO_ACCOUNT.clientId);
      }
    })();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench sandbox failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
