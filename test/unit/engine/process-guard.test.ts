import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, expect, it } from 'vitest';
import { guardProcess } from '../../../main/engine/process-guard';

let release: (() => void) | null = null;
afterEach(() => {
  release?.();
  release = null;
});

function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, cb) => (lines.push(JSON.parse(String(chunk)) as Record<string, unknown>), cb()) }));
  return { logger, lines };
}

it('logs a rejection nobody handled, with its stack, and keeps the process', () => {
  const { logger, lines } = capture();
  const exits: number[] = [];
  release = guardProcess(logger, (c) => exits.push(c));
  process.emit('unhandledRejection', new Error('A run of "ERP" is already waiting to start.'), Promise.resolve());
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ level: 50, msg: 'unexpected error: a failure nobody handled; the agent carries on', err: { message: 'A run of "ERP" is already waiting to start.' } });
  expect(String((lines[0]!.err as { stack: string }).stack)).toContain('process-guard.test.ts');
  expect(exits).toEqual([]);
});

it('logs an uncaught exception as fatal and exits', async () => {
  const { logger, lines } = capture();
  const exits: number[] = [];
  const stderr = process.stderr.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    release = guardProcess(logger, (c) => exits.push(c));
    process.emit('uncaughtException', new Error('boom'), 'uncaughtException');
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    process.stderr.write = stderr;
  }
  expect(lines[0]).toMatchObject({ level: 60, msg: 'unexpected error: the agent stops', err: { message: 'boom' } });
  expect(exits).toEqual([70]);
});
