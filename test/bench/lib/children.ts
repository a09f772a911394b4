/**
 * Child processes of the benchmarks. Each child entry is bundled with esbuild the way
 * `npm run build` bundles the agent (npm packages external), so a child measures what ships
 * rather than a TypeScript loader.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';

export const ROOT = resolve(import.meta.dirname, '../../..');
const OUT = join(ROOT, 'dist/bench');

export const CHILD_ENTRIES = {
  sandbox: 'test/bench/children/sandbox.ts',
  ingestAgent: 'test/bench/children/ingest-agent.ts',
  /** The real `esg-sync` CLI, as dist/agent/cli.js is built. */
  agentCli: 'main/agent/main.ts',
} as const;
export type ChildName = keyof typeof CHILD_ENTRIES;

let built: Promise<void> | null = null;

export function buildChildren(): Promise<void> {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  built ??= Promise.all(
    Object.entries(CHILD_ENTRIES).map(([name, entry]) =>
      build({
        entryPoints: [join(ROOT, entry)],
        outfile: join(OUT, `${name}.mjs`),
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: 'esm',
        packages: 'external',
        logLevel: 'warning',
        define: { __APP_VERSION__: JSON.stringify(pkg.version) },
      }),
    ),
  ).then(() => undefined);
  return built;
}

export interface JsonChild<T> {
  child: ChildProcess;
  /** The first JSON line the child printed. */
  first: Promise<T>;
  /** Resolves with the exit code once the child has exited. */
  exited: Promise<number | null>;
  stderr(): string;
  stop(): Promise<number | null>;
}

/** Starts a bundled child; its first stdout line that parses as JSON resolves `first`. */
export function startChild<T>(name: ChildName, args: string[], env: Record<string, string> = {}, nodeFlags: string[] = []): JsonChild<T> {
  // BENCH_CHILD_CPU_PROF=DIR profiles every child (node --cpu-prof) into DIR.
  const prof = process.env.BENCH_CHILD_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CHILD_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...prof, ...nodeFlags, join(OUT, `${name}.mjs`), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    if (err.length > 20_000) err = err.slice(-20_000);
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const first = new Promise<T>((resolveFirst, reject) => {
    // The result may be one line or pretty-printed over several (the CLI's --json output).
    let out = '';
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      out += `${line}\n`;
      for (const candidate of [line, out]) {
        try {
          resolveFirst(JSON.parse(candidate) as T);
          return;
        } catch {
          /* not (yet) a whole JSON value */
        }
      }
    });
    void exited.then((code) => reject(new Error(`${name} child exited with ${code} before printing its result: ${err.trim().slice(-2000)}`)));
  });
  first.catch(() => undefined);
  return {
    child,
    first,
    exited,
    stderr: () => err,
    stop() {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
      child.kill('SIGTERM');
      return exited;
    },
  };
}

export interface SandboxChild {
  url: string;
  pid: number;
  submissions: number;
  stop(): Promise<number | null>;
}

export async function startSandboxChild(dbPath: string, seed = 0): Promise<SandboxChild> {
  await buildChildren();
  const c = startChild<{ url: string; pid: number; submissions: number }>('sandbox', ['--db', dbPath, ...(seed ? ['--seed', String(seed)] : [])]);
  const info = await c.first;
  return { ...info, stop: () => c.stop() };
}
