import type { Command } from 'commander';
import { keepsFolderFilesLess, type Settings } from '../../../shared/dto';
import type { GlobalContext } from '../context';
import { callEngine } from '../engine-call';
import { CliError } from '../exit-codes';

/** The limits of shared/dto Settings, said in words before the engine's schema would say them in zod's. */
export const SETTING_LIMITS = {
  retentionDays: { min: 1, max: 3650 },
  retentionRuns: { min: 100, max: 10_000_000 },
  keepFolderFilesDays: { min: 1, max: 3650 },
} as const;

const n = (x: number) => x.toLocaleString('en-GB');

function wholeNumber(flag: string, raw: string, what: string, limits: { min: number; max: number }, extra = ''): number {
  const text = raw.trim().replace(/[_,](?=\d{3}\b)/g, '');
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < limits.min || value > limits.max) {
    throw new CliError(`${flag} takes a whole number of ${what} from ${n(limits.min)} to ${n(limits.max)}${extra}, not "${raw}".`);
  }
  return value;
}

function yesNo(flag: string, raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (['yes', 'on', 'true', '1'].includes(v)) return true;
  if (['no', 'off', 'false', '0'].includes(v)) return false;
  throw new CliError(`${flag} takes yes or no, not "${raw}".`);
}

export function catchUpChoice(flag: string, raw: string): Settings['catchUp'] {
  const v = raw.trim().toLowerCase();
  if (v === 'run-once' || v === 'skip') return v;
  throw new CliError(
    `${flag} takes run-once (a scheduled run missed while the agent was stopped or the computer off runs once when it is back) or skip (it waits for the next scheduled time), not "${raw}".`,
  );
}

/** A number of days, or "forever" (never removed: the setting's null). */
function daysOrForever(flag: string, raw: string): number | null {
  const v = raw.trim().toLowerCase();
  if (v === 'forever' || v === 'never') return null;
  const { min, max } = SETTING_LIMITS.keepFolderFilesDays;
  const text = v.replace(/[_,](?=\d{3}\b)/g, '');
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new CliError(`${flag} takes a whole number of days from ${n(min)} to ${n(max)} (ten years), or forever to never remove them, not "${raw}".`);
  }
  return value;
}

export interface SettingFlags {
  retentionDays?: string;
  keepRuns?: string;
  keepFolderFiles?: string;
  catchUp?: string;
  notifyOnFailure?: string;
  autoUpdate?: string;
}

/** The flags as a settings patch, every value checked and refused in words (exit 2). */
export function settingsPatch(o: SettingFlags): Partial<Settings> {
  const patch: Partial<Settings> = {};
  if (o.retentionDays !== undefined) patch.retentionDays = wholeNumber('--retention-days', o.retentionDays, 'days', SETTING_LIMITS.retentionDays, ' (ten years)');
  if (o.keepRuns !== undefined) patch.retentionRuns = wholeNumber('--keep-runs', o.keepRuns, 'runs', SETTING_LIMITS.retentionRuns);
  if (o.keepFolderFiles !== undefined) patch.keepFolderFilesDays = daysOrForever('--keep-folder-files', o.keepFolderFiles);
  if (o.catchUp !== undefined) patch.catchUp = catchUpChoice('--catch-up', o.catchUp);
  if (o.notifyOnFailure !== undefined) patch.notifyOnFailure = yesNo('--notify-on-failure', o.notifyOnFailure);
  if (o.autoUpdate !== undefined) patch.autoUpdate = yesNo('--auto-update', o.autoUpdate);
  return patch;
}

export const SETTING_LABELS: Record<keyof Settings, string> = {
  retentionDays: 'Run history kept for',
  retentionRuns: 'Runs kept at most',
  keepFolderFilesDays: 'Files in processed/ and failed/ kept for',
  catchUp: 'Missed scheduled runs',
  notifyOnFailure: 'Notify on a failed run',
  autoUpdate: 'Automatic updates',
  startAtLogin: 'Start at login',
};

/** One setting's value in words. */
export function settingText(key: keyof Settings, s: Settings): string {
  switch (key) {
    case 'retentionDays':
      return `${n(s.retentionDays)} day${s.retentionDays === 1 ? '' : 's'}`;
    case 'retentionRuns':
      return n(s.retentionRuns);
    case 'keepFolderFilesDays':
      return s.keepFolderFilesDays === null ? 'forever (never removed)' : `${n(s.keepFolderFilesDays)} day${s.keepFolderFilesDays === 1 ? '' : 's'}`;
    case 'catchUp':
      return s.catchUp === 'run-once' ? 'run once when the agent is back (run-once)' : 'skipped until the next scheduled time (skip)';
    case 'notifyOnFailure':
      return s.notifyOnFailure ? 'yes' : 'no';
    case 'autoUpdate':
      return s.autoUpdate ? 'yes' : 'no';
    case 'startAtLogin':
      return s.startAtLogin === null ? 'not chosen yet' : s.startAtLogin ? 'yes' : 'no';
  }
}

const FLAG: Record<keyof Settings, string> = {
  retentionDays: '--retention-days N',
  retentionRuns: '--keep-runs N',
  keepFolderFilesDays: '--keep-folder-files N|forever',
  catchUp: "--catch-up run-once|skip; a job's own choice, `job edit --catch-up`, wins",
  notifyOnFailure: '--notify-on-failure yes|no; desktop app',
  autoUpdate: '--auto-update yes|no; desktop app',
  startAtLogin: 'desktop app, in its Settings page',
};

export function describeSettings(s: Settings): string {
  const keys = Object.keys(SETTING_LABELS) as (keyof Settings)[];
  const width = Math.max(...keys.map((k) => SETTING_LABELS[k].length)) + 1;
  return keys.map((k) => `${`${SETTING_LABELS[k]}:`.padEnd(width)} ${settingText(k, s)}  (${FLAG[k]})`).join('\n');
}

/** `esg-sync settings show|set`: the agent's settings (history retention, missed runs, …) through the engine. */
export function registerSettings(program: Command, ctx: () => GlobalContext): void {
  const settings = program.command('settings').description("show or change the agent's settings: history retention, old files in watched folders, missed scheduled runs, notifications");

  settings
    .command('show')
    .description('print the settings')
    .action(async () => {
      const { dataDir, out } = ctx();
      const s = await callEngine(dataDir, 'settings.get', {});
      out.print(s, () => describeSettings(s));
    });

  settings
    .command('set')
    .description('change the settings named by the options (the others stay)')
    .option('--retention-days <n>', `keep run history this many days (${SETTING_LIMITS.retentionDays.min}-${SETTING_LIMITS.retentionDays.max}); older runs are removed daily`)
    .option('--keep-runs <n>', `keep at most this many runs (${n(SETTING_LIMITS.retentionRuns.min)}-${n(SETTING_LIMITS.retentionRuns.max)}); the oldest beyond are removed`)
    .option(
      '--keep-folder-files <days|forever>',
      `keep files in the watched folders' processed/ and failed/ this many days (${SETTING_LIMITS.keepFolderFilesDays.min}-${n(SETTING_LIMITS.keepFolderFilesDays.max)}), then remove them daily; forever (the default) never removes them. Files whose held values are not sent yet stay`,
    )
    .option('--catch-up <choice>', 'a scheduled run missed while the agent was stopped: run-once or skip (for jobs that follow the agent)')
    .option('--notify-on-failure <yes|no>', 'desktop app: a notification when a run fails')
    .option('--auto-update <yes|no>', 'desktop app: install updates automatically')
    .action(async (o: SettingFlags) => {
      const patch = settingsPatch(o);
      const keys = Object.keys(patch) as (keyof Settings)[];
      if (!keys.length) throw new CliError('Name a setting to change, e.g. `esg-sync settings set --retention-days 90`; `esg-sync settings set --help` lists them.');
      const { dataDir, out } = ctx();
      // Through the engine, so a running agent applies tighter retention at once.
      const before = await callEngine(dataDir, 'settings.get', {});
      const after = await callEngine(dataDir, 'settings.update', patch);
      const changed = keys.filter((k) => before[k] !== after[k]);
      out.print({ settings: after, changed: Object.fromEntries(changed.map((k) => [k, { from: before[k], to: after[k] }])) }, () =>
        [
          ...(changed.length ? changed.map((k) => `${SETTING_LABELS[k]}: ${settingText(k, after)} (was ${settingText(k, before)}).`) : ['Nothing changed: the settings already had these values.']),
          ...(changed.some((k) => k === 'retentionDays' || k === 'retentionRuns') && (after.retentionDays < before.retentionDays || after.retentionRuns < before.retentionRuns)
            ? ['Runs beyond the new limit are removed in the background now (by a running agent; otherwise at its next start).']
            : []),
          ...(keepsFolderFilesLess(before, after)
            ? [`Files in processed/ and failed/ older than ${settingText('keepFolderFilesDays', after)} are removed in the background now (by a running agent; otherwise at its next start), then daily.`]
            : []),
        ].join('\n'),
      );
    });
}
