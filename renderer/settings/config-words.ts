import type { ConfigFile, ImportItem, SecretToAdd } from '../../shared/contract/config';
import { CONFIG_FORMAT_VERSION, CONFIG_KIND } from '../../shared/contract/config';
import type { Settings } from '../../shared/dto';
import { formatNumber } from '../format';

/**
 * The words of the Settings page's "Move to another computer" card: what an export cannot carry
 * and what an import did, for someone who has never seen a command line.
 */

/** esg-sync-config-2024-05-31.json, in this computer's date. */
export function exportFileName(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `esg-sync-config-${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}.json`;
}

/** A file chosen for import is read whole into the page and sent in one message (the agent takes at most 1 MB). */
export const MAX_IMPORT_BYTES = 900 * 1024;

/**
 * The chosen file's text as JSON, with what is plainly wrong said in the app's words before the
 * engine checks it in detail (which it does anyway). Returns the JSON, or a sentence.
 */
export function readChosenFile(name: string, text: string): { json: unknown } | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { problem: `“${name}” is not a configuration file: it is not a JSON file, or it was cut short or damaged. Export the configuration again on the other computer.` };
  }
  const kind = (json as { kind?: unknown } | null)?.kind;
  if (kind !== CONFIG_KIND) {
    const profile = typeof json === 'object' && json !== null && 'schemaVersion' in json;
    return {
      problem: profile
        ? `“${name}” is a mapping, not a configuration file. Mappings are loaded on the Mappings page.`
        : `“${name}” is not a configuration file of ESG Sync Agent. Choose the file made by “Export configuration…” on the other computer.`,
    };
  }
  const version = (json as { formatVersion?: unknown }).formatVersion;
  if (typeof version === 'number' && version > CONFIG_FORMAT_VERSION) {
    return { problem: `“${name}” was exported by a newer version of ESG Sync Agent than this one. Update this app first, then import it.` };
  }
  return { json };
}

const SECRET_WORDS: Record<SecretToAdd['secret'], string> = { 'client secret': 'client secret', 'database password': 'database password' };

/** One secret to add again, as a sentence: where to go, what to enter, and what identifies it. */
export function secretSentence(s: SecretToAdd, file: Pick<ConfigFile, 'connections' | 'sources'> | null): { text: string; page: { to: string; label: string } } {
  if (s.kind === 'connection') {
    const c = file?.connections.find((x) => x.name === s.name);
    const facts = c ? ` (client ID ${c.clientId}, at ${c.baseUrl})` : '';
    return {
      text: `The connection “${s.name}”${facts}: add it again on the Connections page, under the same name, with its ${SECRET_WORDS[s.secret]}. Your platform administrator can give you the secret (or a new one).`,
      page: { to: '/connections?add=1', label: 'Connections page' },
    };
  }
  if (s.kind === 'source') {
    const src = file?.sources.find((x) => x.name === s.name);
    const d = src?.kind === 'database' ? src.database : null;
    const where = d ? [d.table ? `table ${String(d.table)}` : null, d.database ? `database ${String(d.database)}` : null, d.host ? `on ${String(d.host)}` : null].filter(Boolean).join(', ') : '';
    return {
      text: `The database source “${s.name}”${where ? ` (${where})` : ''}: add it again on the Sources page, under the same name, with its ${SECRET_WORDS[s.secret]}.`,
      page: { to: '/sources', label: 'Sources page' },
    };
  }
  return {
    text: `The export job “${s.name}”: after the import, open it on the Jobs page, choose Edit and enter its destination ${SECRET_WORDS[s.secret]}.`,
    page: { to: '/jobs', label: 'Jobs page' },
  };
}

export const KIND_WORDS: Record<ImportItem['kind'], string> = { connection: 'Connection', source: 'Source', mapping: 'Mapping', job: 'Job' };

/** An engine note ("its connection "X" is not here (see above)") as a sentence. */
export function noteSentence(note: string): string {
  const t = note.trim();
  const s = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

/** What to do about an item that could not be imported, in the app's words, with the page to do it on. */
export function notImportedHelp(item: ImportItem): { text: string; page: { to: string; label: string } } | null {
  if (item.kind === 'connection') {
    return { text: 'Its client secret is never in the file. Add the connection under the same name with its secret, then check the file again.', page: { to: '/connections?add=1', label: 'Add it on the Connections page' } };
  }
  if (item.kind === 'source' && item.command) {
    return { text: 'Its database password is never in the file. Add the database source under the same name with its password, then check the file again.', page: { to: '/sources', label: 'Add it on the Sources page' } };
  }
  return null;
}

export const SETTING_WORDS: Record<keyof Settings, string> = {
  retentionDays: 'Keep run history for',
  retentionRuns: 'Keep at most this many runs',
  keepFolderFilesDays: 'Files in processed and failed folders',
  notifyOnFailure: 'Notify me when a run fails',
  startAtLogin: 'Start when I log in',
  autoUpdate: 'Install updates automatically',
  catchUp: 'Missed scheduled runs (computer asleep or agent stopped)',
};

export function settingValueWords(key: keyof Settings, value: unknown): string {
  if (key === 'retentionDays') return `${formatNumber(Number(value))} days`;
  if (key === 'retentionRuns') return `${formatNumber(Number(value))} runs`;
  if (key === 'keepFolderFilesDays') return value === null ? 'kept forever' : `removed after ${formatNumber(Number(value))} days`;
  if (key === 'catchUp') return value === 'skip' ? 'skip missed runs' : 'run each missed job once';
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  return value === null ? 'the default' : String(value);
}
