import { createReadStream } from 'node:fs';
import { readFile, realpath, stat, writeFile } from 'node:fs/promises';
import { basename, isAbsolute, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import type { ReadOptions } from '../../../shared/mapping';
import { parseProfile, ProfileError, serialiseProfile, type MappingProfile } from '../../../shared/mapping/profile';
import { profileErrorInWords } from '../../engine/mapping/profile-words';
import { SampleError, SampleStore } from '../../engine/mapping/samples';
import type { GlobalContext } from '../context';
import { callEngine } from '../engine-call';
import { CliError } from '../exit-codes';
import { table } from '../output';

/** --header-row and --sheet as the profile's read options; a sheet of digits is a 1-based position. */
export function readOptionsOf(o: { headerRow?: string; sheet?: string }): ReadOptions | undefined {
  const read: ReadOptions = {};
  if (o.headerRow !== undefined) {
    const n = Number(o.headerRow);
    if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new CliError(`--header-row takes a row number from 1 to 10000, not "${o.headerRow}".`);
    read.headerRow = n;
  }
  if (o.sheet !== undefined) {
    const sheet = o.sheet.trim();
    if (!sheet) throw new CliError('--sheet takes a sheet name or its position (1 for the first sheet).');
    read.sheet = /^\d+$/.test(sheet) ? Number(sheet) - 1 : sheet;
    if (typeof read.sheet === 'number' && read.sheet < 0) throw new CliError('--sheet positions start at 1 (the first sheet).');
  }
  return Object.keys(read).length ? read : undefined;
}

/**
 * Where --sample points: a file inside a folder source is read in place; any other file is
 * copied into the sample area first, as a file dropped on the wizard would be.
 */
async function sampleChoice(dataDir: string, sourceIdOrName: string, sample: string | undefined): Promise<{ file?: string; upload?: string }> {
  if (!sample) return {};
  const source = (await callEngine(dataDir, 'sources.list', {})).find((x) => x.id === sourceIdOrName || x.name === sourceIdOrName);
  // An unknown source is left to mappings.suggest, which names the sources there are.
  if (!source) return { file: resolve(sample) };
  const path = resolve(sample);
  if (source.kind !== 'folder') throw new CliError(`"${source.name}" is a database source: its sample is its table or query, so leave out --sample.`);
  let real: string;
  try {
    real = await realpath(path);
  } catch {
    throw new CliError(`There is no file ${path}.`);
  }
  const root = await realpath(source.location).catch(() => source.location);
  const rel = relative(root, real);
  if (rel && !rel.startsWith('..') && !isAbsolute(rel)) return { file: path };
  try {
    // The sample area is files in the data folder, shared with a running agent: it finds the upload by its id.
    const stored = await new SampleStore(dataDir).save(basename(path), createReadStream(real), (await stat(real)).size);
    return { upload: stored.uploadId };
  } catch (err) {
    if (err instanceof SampleError) throw new CliError(err.message);
    throw err;
  }
}

const pct = (x: number): string => `${Math.round(x * 100)}%`;

/**
 * `esg-sync mapping suggest|import|export|list|remove`, each through callEngine with the wizard's
 * methods: a running agent saves an imported mapping itself, so its jobs see the new version at
 * once, and removes one itself, refusing while a job uses it.
 */
export function registerMapping(program: Command, ctx: () => GlobalContext): void {
  const mapping = program.command('mapping').description('suggest, import, export, list and remove mapping profiles');

  mapping
    .command('suggest')
    .description("suggest a mapping for a source's sample from the platform's metric library (--json prints the draft profile)")
    .requiredOption('--source <source>', 'the source (name or id)')
    .requiredOption('--connection <connection>', 'the platform connection (name or id)')
    .option('--sample <file>', 'a sample file: one in the source folder, or any other (copied to the sample area); default: the newest in the folder')
    .option('--header-row <n>', 'the row that holds the column names, when a title block above it fools the detection')
    .option('--sheet <name|n>', "a workbook's sheet, by name or position (1 = first)")
    .action(async (o: { source: string; connection: string; sample?: string; headerRow?: string; sheet?: string }) => {
      const read = readOptionsOf(o);
      const c = ctx();
      const r = await callEngine(c.dataDir, 'mappings.suggest', {
        sourceId: o.source,
        connectionId: o.connection,
        ...(await sampleChoice(c.dataDir, o.source, o.sample)),
        ...(read ? { read } : {}),
      });
      c.out.print(r.draft, () =>
        [
          r.sample.file ? `Sample: ${r.sample.file} (${r.sample.rows.length} rows)` : `Sample: first ${r.sample.rows.length} rows of the database`,
          ...(r.sample.info.sheet ? [`Sheet: ${r.sample.info.sheet}${r.sample.info.sheets && r.sample.info.sheets.length > 1 ? ` (of ${r.sample.info.sheets.join(', ')}; choose with --sheet)` : ''}`] : []),
          ...(r.sample.info.headerRow ? [`Header row: ${r.sample.info.headerRow}${read?.headerRow ? '' : ' (detected; choose with --header-row)'}`] : []),
          `Shape: ${r.suggestion.shape}${r.suggestion.wideKind ? ` (${r.suggestion.wideKind})` : ''}`,
          '',
          table(
            r.suggestion.columns.map((c) => ({
              column: c.column,
              role: c.role,
              metric: c.metricId ?? '',
              unit: c.unit ?? '',
              confidence: pct(c.confidence),
              reason: c.reason,
            })),
            ['column', 'role', 'metric', 'unit', 'confidence', 'reason'],
          ),
          ...(r.suggestion.entityValueMap.length
            ? ['', 'Sites:', ...r.suggestion.entityValueMap.map((m) => `  ${m.local} → ${m.entityId ?? '(unmapped)'}${m.entityId ? ` (${pct(m.confidence)}, ${m.reason})` : ''}`)]
            : []),
          ...(r.suggestion.warnings.length ? ['', ...r.suggestion.warnings.map((w) => `Note: ${w}`)] : []),
          '',
          'Run again with --json to get the draft profile; edit it and load it with `esg-sync mapping import FILE`.',
        ].join('\n'),
      );
    });

  mapping
    .command('import <file>')
    .description('load a mapping profile from a JSON file (a new version when it updates a saved mapping)')
    .option('--source <source>', 'bind it to this source instead of the one in the file')
    .option('--connection <connection>', 'bind it to this connection instead of the one in the file')
    .option('--name <name>', 'save it under this name')
    .option('--update <mapping>', "save it as the next version of this saved mapping (name or id), e.g. a fresh `mapping suggest` draft after the file's columns changed")
    .option('--force', "save it even when its metric ids, site ids or units do not fit the connection's platform (the problems are printed as warnings)")
    .addHelpText(
      'after',
      [
        '',
        "The profile is checked against the connection's platform first (its metric library and sites, as",
        '`esg-sync catalogue --connection NAME` lists them): a metric or site id the platform does not have, or a',
        "unit that cannot be converted to the metric's unit, refuses the import (exit 2) with each problem in words.",
      ].join('\n'),
    )
    .action(async (file: string, o: { source?: string; connection?: string; name?: string; update?: string; force?: boolean }) => {
      let text: string;
      try {
        text = await readFile(resolve(file), 'utf8');
      } catch (err) {
        throw new CliError(`Could not read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'there is no such file' : (err as Error).message}.`);
      }
      let profile: MappingProfile;
      try {
        profile = parseProfile(text);
      } catch (err) {
        // Each problem in words ("The calorific value must be a positive number…"), not zod's paths and codes.
        if (err instanceof ProfileError) throw new CliError(profileErrorInWords(err, text).message);
        throw err;
      }
      const bound = {
        ...profile,
        ...(o.name ? { name: o.name } : {}),
        // Names or ids: the engine resolves them, and names the known ones when there is no such source or connection.
        ...(o.source ? { sourceId: o.source } : {}),
        ...(o.connection ? { connectionId: o.connection } : {}),
      };
      const c = ctx();
      let id: string | undefined;
      if (o.update) {
        // Named: that mapping's next version, under its own name unless --name renames it.
        const target = (await callEngine(c.dataDir, 'mappings.get', { mappingId: o.update })).info;
        id = target.id;
        bound.name = o.name ?? target.name;
      } else {
        // The same mapping coming back (its id and name) becomes its next version.
        const existing = profile.id ? (await callEngine(c.dataDir, 'mappings.list', {})).find((m) => m.id === profile.id) : undefined;
        id = existing && existing.name === bound.name ? existing.id : undefined;
      }
      // Through the engine, so a running agent's jobs use the new version from their next run.
      // The engine checks it against the connection's platform, and refuses what would reject every row unless --force.
      const info = await callEngine(c.dataDir, 'mappings.save', { profile: bound, ...(id ? { id } : {}), ...(o.force ? { force: true } : {}) });
      for (const w of info.warnings ?? []) c.out.info(`Warning: ${w}`);
      c.out.print(info, () => `Mapping "${info.name}" (id ${info.id}) saved as version ${info.version}.${info.warnings?.length && o.force ? ' It was saved with the problems above (--force): correct them before its job runs.' : ''}`);
    });

  mapping
    .command('export <mapping>')
    .description('write a mapping profile as JSON (profiles hold no secrets)')
    .option('--out <file>', 'write to this file instead of standard output')
    .action(async (name: string, o: { out?: string }) => {
      const c = ctx();
      const json = serialiseProfile((await callEngine(c.dataDir, 'mappings.get', { mappingId: name })).profile);
      if (o.out) {
        await writeFile(resolve(o.out), json, 'utf8');
        c.out.info(`Wrote ${resolve(o.out)}`);
      } else {
        process.stdout.write(json);
      }
    });

  mapping
    .command('list')
    .description('list saved mappings')
    .action(async () => {
      const c = ctx();
      const list = await callEngine(c.dataDir, 'mappings.list', {});
      c.out.print(list, () =>
        list.length
          ? table(
              list.map((m) => ({ id: m.id, name: m.name, version: m.version, source: m.sourceId ?? '', connection: m.connectionId ?? '', updated: m.updatedAt.slice(0, 19).replace('T', ' ') })),
              ['id', 'name', 'version', 'source', 'connection', 'updated'],
            )
          : 'No mappings yet. Start with `esg-sync mapping suggest --source S --connection C`.',
      );
    });

  mapping
    .command('remove <mapping>')
    .description('remove a saved mapping and all its versions (refused while a job uses it; run history is kept)')
    .action(async (name: string) => {
      const c = ctx();
      // Through the engine, so a running agent checks its own jobs and forgets the mapping at once.
      const r = await callEngine(c.dataDir, 'mappings.remove', { mappingId: name });
      c.out.print(r, () => `Removed the mapping "${r.removed}".`);
    });
}
