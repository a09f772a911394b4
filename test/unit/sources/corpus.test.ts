import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openReader, type OpenReaderOptions } from '../../../main/engine/sources/readers';
import { SourceFileError } from '../../../main/engine/sources/errors';
import type { SourceRow } from '../../../shared/domain';

const dir = join(import.meta.dirname, '../../fixtures/files');

interface Expected {
  file?: string;
  options?: OpenReaderOptions;
  error?: string;
  line?: number;
  rows?: number;
  headers?: string[];
  settings?: Record<string, unknown>;
  firstRow?: SourceRow;
  lines?: number[];
  warnings?: number;
}

const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<string, Expected>;

describe('fixture corpus', () => {
  it('has at least 30 files, every one listed in expected.json', () => {
    const files = readdirSync(dir).filter((f) => f !== 'expected.json');
    expect(files.length).toBeGreaterThanOrEqual(30);
    const listed = new Set(Object.entries(expected).map(([k, v]) => v.file ?? k));
    expect(files.filter((f) => !listed.has(f))).toEqual([]);
  });

  for (const [key, exp] of Object.entries(expected)) {
    it(`${key} → ${exp.error ?? `${exp.rows} rows`}`, async () => {
      const path = join(dir, exp.file ?? key);
      const run = async (): Promise<{ info: Awaited<ReturnType<typeof openReader>>['info']; rows: SourceRow[] }> => {
        const reader = await openReader(path, exp.options ?? {});
        const rows: SourceRow[] = [];
        for await (const row of reader) rows.push(row);
        return { info: reader.info, rows };
      };
      if (exp.error) {
        const err = await run().then(
          () => null,
          (e: unknown) => e,
        );
        expect(err, 'expected a SourceFileError').toBeInstanceOf(SourceFileError);
        const e = err as SourceFileError;
        expect(e.code).toBe(exp.error);
        expect(e.message).not.toMatch(/\n\s+at /); // a sentence, not a stack trace
        expect(e.message.length).toBeGreaterThan(20);
        if (exp.line !== undefined) {
          expect(e.details.line).toBe(exp.line);
          expect(e.message).toContain(`line ${exp.line}`.replace(/^l/, '')); // "line 3" or "Line 3"
        }
        return;
      }
      const { info, rows } = await run();
      expect(info.headers).toEqual(exp.headers);
      expect(rows.length).toBe(exp.rows);
      for (const [k, v] of Object.entries(exp.settings ?? {})) expect((info as unknown as Record<string, unknown>)[k], k).toEqual(v);
      if (exp.firstRow) expect(rows[0]).toEqual(exp.firstRow);
      if (exp.lines) expect(rows.map((r) => r.line)).toEqual(exp.lines);
      if (exp.warnings !== undefined) expect(info.warnings.length).toBe(exp.warnings);
      for (const r of rows) expect(Object.keys(r.cells)).toEqual(info.headers.filter((h) => h in r.cells));
    });
  }
});
