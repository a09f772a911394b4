import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { LAZY_PACKAGES, loadExcelJS, loadPg } from '../../../../main/engine/runtime/lazy-modules';

/** Bundles an entry the way scripts/build-main.mjs does and lists how each npm package is imported. */
async function packageImports(entry: string, format: 'esm' | 'cjs'): Promise<Map<string, Set<string>>> {
  const out = await build({ entryPoints: [entry], bundle: true, platform: 'node', target: 'node20', format, packages: 'external', write: false, metafile: true, logLevel: 'silent', define: { __APP_VERSION__: '"test"' } });
  const kinds = new Map<string, Set<string>>();
  const meta: Metafile = out.metafile;
  for (const input of Object.values(meta.inputs)) {
    for (const imp of input.imports) {
      if (!imp.external) continue;
      const set = kinds.get(imp.path) ?? new Set<string>();
      set.add(imp.kind);
      kinds.set(imp.path, set);
    }
  }
  return kinds;
}

describe('lazy modules', () => {
  it.each([
    ['agent CLI', 'main/agent/main.ts', 'esm'],
    ['Electron main', 'main/electron/main.ts', 'cjs'],
  ] as const)('the %s bundle loads workbook and database drivers only on first use', async (_name, entry, format) => {
    const kinds = await packageImports(entry, format);
    for (const pkg of LAZY_PACKAGES) {
      const seen = [...(kinds.get(pkg) ?? [])];
      // Only dynamic imports (or none): a static import would load it at start-up again.
      expect({ pkg, kinds: seen.filter((k) => k !== 'dynamic-import') }).toEqual({ pkg, kinds: [] });
    }
    // The check itself sees the packages the engine does load at start-up.
    expect(kinds.get('better-sqlite3')?.has('import-statement')).toBe(true);
    expect(kinds.get('exceljs')?.has('dynamic-import')).toBe(true);
  }, 60_000);

  it('hands back one instance per package', async () => {
    const [a, b] = await Promise.all([loadExcelJS(), loadExcelJS()]);
    expect(a).toBe(b);
    expect(typeof a.stream.xlsx.WorkbookReader).toBe('function');
    expect(typeof (await loadPg()).Client).toBe('function');
  });
});
