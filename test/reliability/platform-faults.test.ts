/**
 * Platform faults: the same ingest as the crash suite, against a sandbox that answers 20% of
 * requests with 500, 5% with 429 + Retry-After, resets 5% of connections, stalls 2% and lets
 * every access token die 30 s after it was issued (the token endpoint is faulted too). The
 * platform must end up holding exactly the file's values, the ledger must agree, and the run's
 * history must count every retry the faults forced.
 *
 * The sandbox runs in this process so its fault counters can be read; the agent is the built
 * `esg-sync agent` in a child process. Sizes: RELIABILITY_FAULT_ROWS (default 100,000, so
 * the run outlives a token at least once; 200,000 with RELIABILITY_LONG=1), RELIABILITY_STALL_MS (2,000: a slow answer, under the
 * client's 60 s header timeout; set it above that to exercise the timeout path).
 */
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KeychainSecretStore } from '../../main/engine/secrets';
import { parseFaultSpec, startSandbox, type RunningSandbox } from '../../main/sandbox';
import { startAgent, type RunningAgent } from '../helpers/agent-process';
import { LONG, agentEnv, agentStore, compareLedger, compareWithExpected, sandboxSubmissions, setUpIngestJob, waitFor, writeSourceFile } from './harness';

const ROWS = Number(process.env.RELIABILITY_FAULT_ROWS ?? (LONG ? 200_000 : 100_000));
const STALL_MS = Number(process.env.RELIABILITY_STALL_MS ?? 2000);
const SPEC = `error500=20%,rate429=5%,retryAfter=1,reset=5%,stall=2%,stallMs=${STALL_MS},tokenExpiry=30`;
const KEYCHAIN_SERVICE = `esg-sync-reliability-faults-${process.pid}`;

const root = mkdtempSync(join(tmpdir(), 'esg-faults-'));
let sandbox: RunningSandbox | null = null;
let agent: RunningAgent | null = null;

afterAll(async () => {
  await agent?.stop('SIGKILL');
  await sandbox?.close();
  await new KeychainSecretStore({ service: KEYCHAIN_SERVICE }).delete('sandbox').catch(() => undefined);
  if (!process.env.RELIABILITY_KEEP) rmSync(root, { recursive: true, force: true });
});

describe('platform faults', () => {
  it(`syncs ${ROWS} rows exactly through ${SPEC}`, { timeout: (LONG ? 60 : 15) * 60_000 }, async () => {
    const dbPath = join(root, 'sandbox.db');
    sandbox = await startSandbox({ port: 0, dbPath });
    const dataDir = join(root, 'data');
    const drop = join(root, 'drop');
    const env = agentEnv(KEYCHAIN_SERVICE);
    // Set-up happens on a healthy platform (adding a connection tests it once); then the bad day starts.
    await setUpIngestJob({ dataDir, sandboxUrl: sandbox.url, dropDir: drop, env });
    sandbox.setFaults(parseFaultSpec(SPEC));
    sandbox.resetStats();

    await writeSourceFile(join(root, 'values.csv'), ROWS);
    agent = await startAgent({ dataDir, env });
    const started = Date.now();
    renameSync(join(root, 'values.csv'), join(drop, 'values.csv'));
    await waitFor('values.csv to be processed', () => existsSync(join(drop, 'processed', 'values.csv')) || existsSync(join(drop, 'failed')), 12 * 60_000, 250);
    await waitFor('the run to be recorded', () => agentStore(dataDir).runs.some((r) => r.status !== 'running'), 60_000, 250);
    const seconds = (Date.now() - started) / 1000;
    expect(await agent.stop()).toBe(0);
    agent = null;
    const stats = sandbox.stats();
    sandbox.setFaults({});
    const faulted = Object.values(stats.faultedByRoute).reduce((n, v) => n + v, 0);
    console.info(
      `[faults] ${ROWS} rows in ${seconds.toFixed(1)} s; sandbox saw ${stats.requests} requests: ` +
        `${stats.faults.error500} × 500, ${stats.faults.rate429} × 429, ${stats.faults.reset} resets, ${stats.faults.stall} stalls ` +
        `(${stats.faults.afterCommit} after the batch committed), ${stats.tokensRejected.forced + stats.tokensRejected.expired} requests with a dead token, ${stats.tokensIssued} tokens issued, ` +
        `${stats.batches.replayed} batches replayed from their idempotency key; faulted by route ${JSON.stringify(stats.faultedByRoute)}`,
    );

    expect(existsSync(join(drop, 'failed'))).toBe(false);
    const subs = sandboxSubmissions(dbPath);
    expect(compareWithExpected(subs, ROWS)).toEqual([]);
    expect(subs).toHaveLength(ROWS);
    const store = agentStore(dataDir);
    expect(store.integrity).toBe('ok');
    expect(compareLedger(store.ledger, subs)).toEqual([]);
    expect(store.ledger).toHaveLength(ROWS);
    expect(store.pendingOutbox).toBe(0);

    // One run, finished, and its history counts each retry: every request (API or token) a 500,
    // 429 or reset struck was sent again, and every request refused for an expired token once.
    expect(store.runs).toHaveLength(1);
    const run = store.runs[0]!;
    expect(run).toMatchObject({ status: 'succeeded', read: ROWS, created: ROWS, rejected: 0, error: null });
    expect(faulted).toBeGreaterThan(0);
    // A run longer than the 30 s token life must have met a dead token and recovered.
    const deadTokens = stats.tokensRejected.expired + stats.tokensRejected.forced;
    expect(seconds < 31 || deadTokens > 0).toBe(true);
    expect(run.retries).toBe(faulted + deadTokens);
    // Every request the platform saw (token requests included) is in the run's history.
    expect(run.requests).toBe(stats.requests);
  });
});
