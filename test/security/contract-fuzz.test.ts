/**
 * Contract fuzz: every method of shared/api.ts called with invalid params — random JSON, and
 * objects with the method's own keys holding values of the wrong kind — through the in-process
 * dispatcher (what Electron IPC calls) and through the agent's WebSocket bridge. Every answer
 * must be a typed error (never a crash, never "internal"), and the store must be exactly as it
 * was before (a snapshot of every table compared after).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { z } from 'zod';
import { methods, type MethodName } from '../../shared/api';
import { createEngineApi } from '../../main/engine/api';
import { Engine } from '../../main/engine/engine';
import { createDispatcher } from '../../main/engine/rpc-dispatch';
import { startSandbox, type RunningSandbox } from '../../main/sandbox';
import { memorySecretStore } from '../helpers/memory-secrets';
import { removeDir, startAgent, type RunningAgent } from '../helpers/agent-process';

const NAMES = Object.keys(methods) as MethodName[];
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);

/** Every row of every table, in a stable order: equal snapshots mean nothing changed. */
function snapshot(db: Database.Database): string {
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
  return JSON.stringify(tables.map((t) => [t, db.prepare(`SELECT * FROM "${t}" ORDER BY rowid`).all()]));
}

/**
 * Params that the method's schema refuses: random values, or its own keys with wrong-kind
 * values. `json`: only what survives JSON (what a WebSocket frame can carry).
 */
function invalidParams(name: MethodName, json = false): fc.Arbitrary<unknown> {
  const schema = methods[name].params as z.ZodType;
  const shape = (schema as unknown as { shape?: Record<string, unknown> }).shape;
  const keys = shape ? Object.keys(shape) : [];
  const value = json ? fc.jsonValue() : fc.anything();
  const wrongKinds = keys.length
    ? fc.dictionary(fc.constantFrom(...keys), fc.oneof(value, fc.string({ maxLength: 5000 }), fc.double({ noNaN: json }), fc.constant(null), fc.array(value)), { minKeys: 1 })
    : fc.constant({ unexpected: true });
  const withExtraKey = fc.record({ ['__proto__pollute']: value, constructor: value });
  return fc
    .oneof(fc.jsonValue(), value, wrongKinds, withExtraKey)
    .map((p) => (json ? roundTrip(p) : p))
    .filter((p) => !schema.safeParse(p ?? {}).success);
}

function roundTrip(v: unknown): unknown {
  const text = JSON.stringify(v);
  return text === undefined ? null : (JSON.parse(text) as unknown);
}

describe('contract fuzz through the dispatcher (the IPC path)', () => {
  let dir: string;
  let engine: Engine;
  let sandbox: RunningSandbox;
  let dispatch: ReturnType<typeof createDispatcher>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'esg-fuzz-'));
    sandbox = await startSandbox({ port: 0 });
    engine = Engine.open({ dataDir: join(dir, 'data'), mode: 'headless', fileLogs: false });
    await engine.initSecrets({ allowEnv: false, store: memorySecretStore() });
    dispatch = createDispatcher(createEngineApi(engine));
    // Some state for the methods to (not) touch.
    const conn = await dispatch('connections.add', { kind: 'esg-api', name: 'Sandbox', baseUrl: sandbox.url, clientId: 'sandbox-client', clientSecret: 'sandbox-secret' });
    expect(conn.ok).toBe(true);
    mkdirSync(join(dir, 'drop'));
    const src = await dispatch('sources.addFolder', { name: 'Drop', path: join(dir, 'drop') });
    expect(src.ok).toBe(true);
  });

  afterAll(async () => {
    await engine.stop();
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers invalid params of every method with invalid_params and changes nothing', { timeout: 300_000 }, async () => {
    const before = snapshot(engine.store.db);
    const seen = new Map<MethodName, number>();
    for (const name of NAMES) {
      await fc.assert(
        fc.asyncProperty(invalidParams(name), async (params) => {
          const r = await dispatch(name, params);
          seen.set(name, (seen.get(name) ?? 0) + 1);
          expect(r.ok).toBe(false);
          if (!r.ok) {
            expect(r.error.code).toBe('invalid_params');
            expect(r.error.message).toBe(`Invalid parameters for ${name}.`);
            expect(Array.isArray(r.error.details)).toBe(true);
          }
        }),
        { numRuns: RUNS },
      );
    }
    expect([...seen.keys()].sort()).toEqual([...NAMES].sort());
    expect(snapshot(engine.store.db)).toBe(before);
  });

  it('answers unknown and odd method names with unknown_method', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'engine.status ', 'ENGINE.STATUS')), fc.anything(), async (name, params) => {
        fc.pre(!Object.prototype.hasOwnProperty.call(methods, name));
        const r = await dispatch(name, params);
        expect(r).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
      }),
      { numRuns: 200 },
    );
  });
});

describe('contract fuzz through the WebSocket bridge (the browser path)', () => {
  let agent: RunningAgent;

  beforeAll(async () => {
    agent = await startAgent();
  });
  afterAll(async () => {
    await agent.stop();
    removeDir(agent.dataDir);
  });

  it('answers every frame with a typed error, keeps the socket and the agent up, and changes nothing', { timeout: 300_000 }, async () => {
    const db = () => new Database(join(agent.dataDir, 'esg-sync.db'), { readonly: true });
    const read = db();
    const before = snapshot(read);
    read.close();

    const ws = new WebSocket(`ws://127.0.0.1:${agent.port}/api/ws`, { headers: { Authorization: `Bearer ${agent.token}` } });
    await new Promise((r, j) => ws.once('open', r).once('error', j));
    const pending = new Map<number, (frame: { id: number; ok: boolean; error?: { code: string } }) => void>();
    const stray: { id: number; ok: boolean; error?: { code: string } }[] = [];
    ws.on('message', (d) => {
      const frame = JSON.parse(d.toString()) as { id?: number; ok: boolean; error?: { code: string }; event?: string };
      if (frame.event) return;
      const waiter = pending.get(frame.id!);
      if (waiter) {
        pending.delete(frame.id!);
        waiter(frame as { id: number; ok: boolean });
      } else stray.push(frame as { id: number; ok: boolean });
    });
    let nextId = 1;
    const send = (method: string, params: unknown) =>
      new Promise<{ id: number; ok: boolean; error?: { code: string } }>((resolve) => {
        const id = nextId++;
        pending.set(id, resolve);
        ws.send(JSON.stringify({ id, method, params }));
      });

    for (const name of NAMES) {
      await fc.assert(
        fc.asyncProperty(invalidParams(name, true), async (params) => {
          const r = await send(name, params);
          expect(r).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
        }),
        { numRuns: Math.max(5, Math.floor(RUNS / 3)) },
      );
    }

    // Frames that are not requests at all: each gets a typed refusal with id -1.
    const junk = fc.oneof(
      fc.string().filter((s) => {
        try {
          JSON.parse(s);
          return false;
        } catch {
          return true;
        }
      }),
      fc.jsonValue().map((v) => JSON.stringify(v)).filter((s) => {
        const v = JSON.parse(s) as { id?: unknown; method?: unknown };
        return !(v && typeof v === 'object' && Number.isInteger(v.id) && typeof v.method === 'string');
      }),
    );
    await fc.assert(
      fc.asyncProperty(junk, async (text) => {
        const before = stray.length;
        ws.send(text);
        await new Promise((r) => setTimeout(r, 5));
        await waitUntil(() => stray.length > before);
        expect(stray[stray.length - 1]).toMatchObject({ id: -1, ok: false, error: { code: 'invalid_params' } });
      }),
      { numRuns: 100 },
    );

    expect(ws.readyState).toBe(WebSocket.OPEN);
    expect(await send('engine.status', {})).toMatchObject({ ok: true });
    ws.close();
    expect(agent.child.exitCode).toBeNull();
    const after = db();
    expect(snapshot(after)).toBe(before);
    after.close();
  });
});

async function waitUntil(ok: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) throw new Error('no answer from the agent');
    await new Promise((r) => setTimeout(r, 5));
  }
}
