import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const workload = fileURLToPath(new URL('./fixtures/heap-workload.ts', import.meta.url));
const run = (env: Record<string, string>) =>
  JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', workload], { env: { ...process.env, ...env }, encoding: 'utf8' })) as { applied: boolean; peakHeapTotal: number };

describe('heap policy', () => {
  it('keeps the heap of a fast-allocating process well below what V8 grows it to by default', () => {
    const policy = run({ ESG_SYNC_V8_HEAP: '' });
    const v8Default = run({ ESG_SYNC_V8_HEAP: 'default' });
    expect(policy.applied).toBe(true);
    expect(v8Default.applied).toBe(false);
    // Measured 94 MB against 179 MB: a ratio from one run, not an absolute size.
    expect(policy.peakHeapTotal).toBeLessThan(0.8 * v8Default.peakHeapTotal);
  }, 60_000);

  it('takes a growth percentage from ESG_SYNC_V8_HEAP and ignores one out of range', () => {
    const roomy = run({ ESG_SYNC_V8_HEAP: '300' });
    const outOfRange = run({ ESG_SYNC_V8_HEAP: '5000' });
    expect([roomy.applied, outOfRange.applied]).toEqual([true, true]);
    // 5000 falls back to the built-in 40%, which keeps the heap well below 300%'s.
    expect(outOfRange.peakHeapTotal).toBeLessThan(0.8 * roomy.peakHeapTotal);
  }, 60_000);
});

describe('entry points', () => {
  it.each(['main/agent/main.ts', 'main/electron/main.ts'])('%s applies the heap policy at load, before any work', async (file) => {
    const { readFileSync } = await import('node:fs');
    const source = readFileSync(fileURLToPath(new URL(`../../../../${file}`, import.meta.url)), 'utf8');
    expect(source).toMatch(/^applyHeapPolicy\(\);$/m);
  });
});
