import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { ConfigImportResult, ImportOutcome, SecretToAdd } from '../../../shared/contract/config';
import { defaultSettings, type Settings } from '../../../shared/dto';
import { plural } from '../../../shared/plural';
import { sh } from '../../engine/config-transfer/commands';
import { configFileText } from '../../engine/config-transfer/save-file';
import type { GlobalContext } from '../context';
import { callEngine } from '../engine-call';
import { CliError, EXIT } from '../exit-codes';
import { SETTING_LABELS, settingText } from './settings';

/**
 * `esg-sync config export FILE` and `esg-sync config import FILE [--dry-run]`: an agent's
 * configuration (settings, connections, sources, mappings, jobs) as one JSON file, to move it to
 * another server. Secrets never leave the keychain: the file holds no client secret and no
 * database password, and the export says which to add again and how.
 *
 * The engine's `config.export` and `config.import` (main/engine/config-transfer, the same methods
 * the Settings page uses) do the work, through callEngine: a running agent applies what is
 * imported at once. This file reads and writes the file and prints what they answer.
 */

function secretLines(secrets: SecretToAdd[]): string[] {
  const before = secrets.filter((s) => s.when === 'before import');
  const after = secrets.filter((s) => s.when === 'after import');
  return [
    'Secrets are never exported: the file holds no client secret and no database password.',
    ...(before.length
      ? [
          'On the new server, add these again with their secrets first (`config import` then finds them by name):',
          ...before.map((s) => `  ${s.kind} "${s.name}" (${s.secret}):\n    ${s.how}`),
        ]
      : []),
    ...(after.length ? ['After the import:', ...after.map((s) => `  ${s.kind} "${s.name}" (${s.secret}): ${s.how}.`)] : []),
    ...(before.length || after.length ? [] : ['Nothing here needs a secret added again.']),
  ];
}

/** The file's JSON; the engine checks that it is an export (and says so in words when not). */
async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(`Could not read ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'there is no such file' : (err as Error).message}.`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new CliError(`${path} is not a configuration export: it is not valid JSON (${(err as Error).message}).`);
  }
}

function importSummary(r: ConfigImportResult, dryRun: boolean, path: string): string {
  const lines: string[] = [dryRun ? `Dry run of importing ${path}: nothing was changed.` : `Imported ${path}.`];
  const now = (k: keyof Settings, v: unknown) => settingText(k, { ...defaultSettings, [k]: v } as Settings);
  if (r.settingsError) lines.push(`Settings: not changed: ${r.settingsError}`);
  else if (r.settingChanges.length) {
    lines.push(`Settings ${dryRun ? 'that would change' : 'changed'}:`, ...r.settingChanges.map((c) => `  ${SETTING_LABELS[c.key]}: ${now(c.key, c.to)} (was ${now(c.key, c.from)})`));
  } else lines.push('Settings: already the same.');
  const group = (outcome: ImportOutcome, title: string) => {
    const list = r.items.filter((i) => i.outcome === outcome);
    if (!list.length) return;
    lines.push(`${title} (${list.length}):`);
    for (const i of list) {
      lines.push(`  ${i.kind} "${i.name}"${i.note ? `: ${i.note}` : ''}`);
      if (i.detail) lines.push(`      ${i.detail}`);
      if (i.command) lines.push(`      ${i.command}`);
    }
  };
  group(dryRun ? 'would add' : 'added', dryRun ? 'Would add' : 'Added');
  group('already here', 'Already here, left as they are');
  group('not imported', 'Not imported');
  group('failed', 'Failed');
  if (!r.items.length) lines.push('The file has no connections, sources, mappings or jobs.');
  const blocked = r.items.some((i) => i.outcome === 'not imported' || i.outcome === 'failed');
  if (blocked) lines.push(dryRun ? 'Add what is listed under "Not imported" first, then import.' : 'Correct what is listed above (add each connection with its secret), then run the same import again: what is already here is left as it is.');
  return lines.join('\n');
}

export function registerConfig(program: Command, ctx: () => GlobalContext): void {
  const config = program.command('config').description("export this agent's configuration to a file, or import one (to move to another server); secrets are never in it");

  config
    .command('export <file>')
    .description('write settings, connections, sources, mappings and jobs as JSON (no secrets: the output says which to add again and how)')
    .option('--force', 'replace the file if it exists')
    .action(async (target: string, o: { force?: boolean }) => {
      const { dataDir, out } = ctx();
      const path = resolve(target);
      if (existsSync(path) && !o.force) throw new CliError(`${path} already exists. Choose another file, or add --force to replace it.`);
      const { file, leftOut, secretsToAddAgain: secrets } = await callEngine(dataDir, 'config.export', {});
      try {
        // Host names, paths and client IDs are not secrets, but nobody else needs to read them.
        await writeFile(path, configFileText(file), { encoding: 'utf8', mode: 0o600 });
      } catch (err) {
        throw new CliError(`Could not write ${path}: ${(err as Error).message}.`);
      }
      const counts = { connections: file.connections.length, sources: file.sources.length, mappings: file.mappings.length, jobs: file.jobs.length };
      out.print({ file: path, ...counts, leftOut, secretsIncluded: false, secretsToAddAgain: secrets }, () =>
        [
          `Wrote ${path}: the settings, ${plural(counts.connections, 'connection')}, ${plural(counts.sources, 'source')}, ${plural(counts.mappings, 'mapping')} and ${plural(counts.jobs, 'job')}.`,
          ...(leftOut.length ? [`Left out (the sandbox tour's, made again by "Try it with the sandbox platform"): ${leftOut.join(', ')}.`] : []),
          ...secretLines(secrets),
          `Then, on the new server: esg-sync config import ${sh(path)} --dry-run (to see what it would do), and without --dry-run.`,
          'Where the agent there keeps its data elsewhere than the default folder, add --data-dir DIR after esg-sync in each command (the import prints its commands with it).',
        ].join('\n'),
      );
    });

  config
    .command('import <file>')
    .description('add the settings, sources, mappings and jobs of an export; what is already here (by name) is left as it is')
    .option('--dry-run', 'say what would be added, changed and left, and change nothing')
    .option('--force', "save mappings even when their metric ids, site ids or units do not fit the connection's platform")
    .addHelpText(
      'after',
      [
        '',
        'Connections and password-protected database sources are not in the file with their secrets, so they',
        'cannot be added from it: the import prints the command that adds each one with its secret. Add them,',
        'then run the import again: it finds them by name and adds the mappings and jobs that use them.',
        'Exit code: 0 when everything is here, 2 when something was (or, with --dry-run, would be) not imported (it says why).',
      ].join('\n'),
    )
    .action(async (target: string, o: { dryRun?: boolean; force?: boolean }) => {
      const { dataDir, out } = ctx();
      const path = resolve(target);
      const json = await readJsonFile(path);
      const r = await callEngine(dataDir, 'config.import', { file: json, dryRun: Boolean(o.dryRun), force: Boolean(o.force), fileName: path });
      out.print(
        {
          file: path,
          dryRun: Boolean(o.dryRun),
          settings: { changed: Object.fromEntries(r.settingChanges.map((c) => [c.key, { from: c.from, to: c.to }])), error: r.settingsError },
          items: r.items,
          secretsToAddAgain: r.secretsToAddAgain.filter((s) => s.when === 'after import'),
        },
        () => importSummary(r, Boolean(o.dryRun), path),
      );
      const incomplete = r.settingsError !== null || r.items.some((i) => i.outcome === 'not imported' || i.outcome === 'failed');
      // A dry run is a check: a script learns from its exit code too that the import would be incomplete.
      if (incomplete) {
        const err = new CliError(o.dryRun ? 'Some of the configuration would not be imported (listed above).' : 'Some of the configuration was not imported (listed above).', EXIT.usage) as CliError & { silent?: boolean };
        // The summary said it all: no second message, only the exit code.
        err.silent = true;
        throw err;
      }
    });
}
