import { useEffect, useState } from 'react';
import type { Result, Settings as SettingsT } from '../../shared/api';
import { client } from '../bridge/client';
import { Card, ErrorState, Loading, PageHeader } from '../components/ui';
import { LogsFolder } from '../components/LogsFolder';
import { MoveComputer } from '../settings/MoveComputer';
import { formatNumber } from '../format';
import { useAction, useEngine } from '../hooks';

export function Settings() {
  const settings = useEngine('settings.get', {});
  const status = useEngine('engine.status', {}, ['engine.changed']);
  const [draft, setDraft] = useState<SettingsT | null>(null);
  const [saved, setSaved] = useState(false);
  const save = useAction();
  // The retention fields are edited as text, so an empty or half-typed value is shown as typed
  // and explained, instead of silently becoming 0.
  const [retention, setRetention] = useState({ days: '', runs: '' });
  const [folderFiles, setFolderFiles] = useState(folderFilesDraft(null));
  const [showErrors, setShowErrors] = useState(false);

  useEffect(() => {
    if (settings.data) {
      setDraft(settings.data);
      setRetention({ days: String(settings.data.retentionDays), runs: String(settings.data.retentionRuns) });
      setFolderFiles(folderFilesDraft(settings.data.keepFolderFilesDays));
    }
  }, [settings.data]);

  if (settings.error) return <ErrorState message={settings.error} onRetry={settings.reload} />;
  if (!draft) return <Loading what="settings" />;

  const daysError = retentionError(retention.days, RETENTION.days);
  const runsError = retentionError(retention.runs, RETENTION.runs);
  const folderDaysError = folderFiles.on ? retentionError(folderFiles.days, RETENTION.folderDays) : null;

  const onSubmit = async (e: React.FormEvent) => {
    e.preventDefault();
    setSaved(false);
    if (daysError || runsError || folderDaysError) {
      setShowErrors(true);
      document.getElementById(daysError ? 'retention-days' : runsError ? 'retention-runs' : 'keep-folder-files')?.focus();
      return;
    }
    setShowErrors(false);
    const next = await save.run(() =>
      client.call('settings.update', {
        ...draft,
        retentionDays: Number(retention.days),
        retentionRuns: Number(retention.runs),
        keepFolderFilesDays: folderFiles.on ? Number(folderFiles.days) : null,
      }),
    );
    if (next) {
      setDraft(next);
      setRetention({ days: String(next.retentionDays), runs: String(next.retentionRuns) });
      setFolderFiles(folderFilesDraft(next.keepFolderFilesDays));
      setSaved(true);
    }
  };

  return (
    <>
      <PageHeader title="Settings" description="How long history and the files of watched folders are kept, when you are notified, and what happens after the computer was asleep." />
      <form onSubmit={(e) => void onSubmit(e)} className="form" aria-label="Settings" noValidate>
        <Card title="History">
          <RetentionField
            id="retention-days"
            label="Keep run history for (days)"
            help={`${RETENTION.days.min} to ${formatNumber(RETENTION.days.max)} days. Runs that started earlier are removed.`}
            value={retention.days}
            error={showErrors ? daysError : null}
            onChange={(days) => setRetention({ ...retention, days })}
          />
          <RetentionField
            id="retention-runs"
            label="Keep at most this many runs"
            help={`${formatNumber(RETENTION.runs.min)} to ${formatNumber(RETENTION.runs.max)}. The newest runs are kept.`}
            value={retention.runs}
            error={showErrors ? runsError : null}
            onChange={(runs) => setRetention({ ...retention, runs })}
          />
          <p className="muted small">
            Whichever limit is reached first applies. Old runs lose their row-level errors first, then their request log and timeline, then the run itself; a run in
            progress is never removed. The database then gives the space back to the disk. This happens when the agent starts, once a day, and right after you tighten a limit.
          </p>
          <PruneNow />
        </Card>
        <Card title="Files in watched folders">
          <label className="checkbox">
            <input
              type="checkbox"
              checked={folderFiles.on}
              aria-describedby="keep-folder-files-about"
              onChange={(e) => setFolderFiles({ ...folderFiles, on: e.target.checked })}
            />
            Remove old files from the processed and failed folders
          </label>
          {folderFiles.on && (
            <RetentionField
              id="keep-folder-files"
              label="Keep files in processed and failed for (days)"
              help={`${RETENTION.folderDays.min} to ${formatNumber(RETENTION.folderDays.max)} days, counted from when the agent last handled the file (moved it there, or read it again to send held values).`}
              value={folderFiles.days}
              error={showErrors ? folderDaysError : null}
              onChange={(days) => setFolderFiles({ ...folderFiles, days })}
            />
          )}
          <p id="keep-folder-files-about" className="muted small">
            After its run, a file dropped into a watched folder is moved to <code>processed/</code> (or <code>failed/</code>, with a <code>.errors.csv</code> report) inside
            that folder. Left off, they are kept forever. Turned on, files older than this are removed with their report when the agent starts, once a day, right after you shorten
            the time, and with “Apply saved limits now”. A file whose held values are not sent yet stays until they are; nothing else in the watched folder is touched.
          </p>
        </Card>
        <Card title="Schedules">
          <fieldset className="field">
            <legend>After the computer was asleep or the agent was stopped</legend>
            <label className="radio">
              <input type="radio" name="catchUp" checked={draft.catchUp === 'run-once'} onChange={() => setDraft({ ...draft, catchUp: 'run-once' })} />
              Run each missed job once (“catch-up” run)
            </label>
            <label className="radio">
              <input type="radio" name="catchUp" checked={draft.catchUp === 'skip'} onChange={() => setDraft({ ...draft, catchUp: 'skip' })} />
              Skip missed runs and wait for the next scheduled time
            </label>
          </fieldset>
          <p className="muted small">
            This applies to every job that uses the agent's setting. A job can override it in its own form, under “If a scheduled run was missed”.
          </p>
        </Card>
        <Card title="Notifications and updates">
          <label className="checkbox">
            <input type="checkbox" checked={draft.notifyOnFailure} onChange={(e) => setDraft({ ...draft, notifyOnFailure: e.target.checked })} />
            Notify me when a run fails or needs attention
          </label>
          {status.data?.mode === 'headless' ? (
            // Nothing here would act on them: a headless agent is started and updated as a service.
            <p className="muted small" data-testid="desktop-only-note">
              Installing updates and starting at login are settings of the desktop app. This agent runs headless (<code>esg-sync agent</code>): it starts with the service that runs it, and is updated with the package it was installed from.
            </p>
          ) : (
            <>
              <label className="checkbox">
                <input type="checkbox" checked={draft.autoUpdate} onChange={(e) => setDraft({ ...draft, autoUpdate: e.target.checked })} />
                Install updates automatically (desktop app)
              </label>
              <label className="checkbox">
                <input
                  type="checkbox"
                  checked={draft.startAtLogin ?? (status.data?.counts.jobs ?? 0) > 0}
                  onChange={(e) => setDraft({ ...draft, startAtLogin: e.target.checked })}
                />
                Start when I log in to this computer, in the background (desktop app)
              </label>
            </>
          )}
        </Card>
        <div className="form-actions">
          <button type="submit" className="button primary" disabled={save.busy}>
            {save.busy ? 'Saving…' : 'Save settings'}
          </button>
          {saved && (
            <span role="status" className="ok-text">
              Saved.
            </span>
          )}
        </div>
        {save.error && <ErrorState message={save.error} />}
      </form>
      <MoveComputer onImported={settings.reload} />
      {status.data && (
        <Card title="About this agent">
          <dl className="facts">
            <dt>Version</dt>
            <dd>{status.data.version}</dd>
            <dt>Data folder</dt>
            <dd>
              <code>{status.data.dataDir}</code>
            </dd>
            <dt>Logs</dt>
            <dd>
              <LogsFolder />
            </dd>
            <dt>Credential storage</dt>
            <dd>{status.data.secretStore.available ? `System keychain (${status.data.secretStore.kind})` : status.data.secretStore.message}</dd>
          </dl>
        </Card>
      )}
    </>
  );
}

const RETENTION = {
  days: { min: 1, max: 3650, unit: 'days' },
  runs: { min: 100, max: 10_000_000, unit: 'runs' },
  folderDays: { min: 1, max: 3650, unit: 'days' },
} as const;

/** Off keeps files forever (the setting's null); turning it on offers 90 days. */
function folderFilesDraft(days: number | null): { on: boolean; days: string } {
  return { on: days !== null, days: String(days ?? 90) };
}

/** Mirrors the Settings schema's limits with a sentence a person can act on. */
function retentionError(text: string, limit: { min: number; max: number; unit: string }): string | null {
  const t = text.trim();
  if (t === '') return `Enter a number of ${limit.unit}.`;
  if (!/^\d+$/.test(t)) return `Enter a whole number of ${limit.unit}, without decimals or separators.`;
  const n = Number(t);
  if (n < limit.min) return `Keep at least ${formatNumber(limit.min)} ${limit.unit}.`;
  if (n > limit.max) return `At most ${formatNumber(limit.max)} ${limit.unit} can be kept.`;
  return null;
}

function RetentionField(p: { id: string; label: string; help: string; value: string; error: string | null; onChange: (v: string) => void }) {
  return (
    <div className="field">
      <label htmlFor={p.id}>{p.label}</label>
      <input
        id={p.id}
        type="text"
        inputMode="numeric"
        autoComplete="off"
        value={p.value}
        aria-invalid={p.error ? true : undefined}
        aria-describedby={`${p.id}-help${p.error ? ` ${p.id}-error` : ''}`}
        onChange={(e) => p.onChange(e.target.value)}
      />
      <small id={`${p.id}-help`} className="muted">
        {p.help}
      </small>
      {p.error && (
        <small id={`${p.id}-error`} className="field-error" role="alert">
          {p.error}
        </small>
      )}
    </div>
  );
}

/** Applies the saved limits now and says what went. */
function PruneNow() {
  const action = useAction();
  const [result, setResult] = useState<Result<'history.prune'> | null>(null);
  const run = async () => {
    setResult(null);
    const r = await action.run(() => client.call('history.prune', {}));
    if (r) setResult(r);
  };
  return (
    <div className="form-actions" style={{ marginTop: 0 }}>
      <button type="button" className="button" onClick={() => void run()} disabled={action.busy}>
        {action.busy ? 'Cleaning up…' : 'Apply saved limits now'}
      </button>
      {result && (
        <span role="status" className="muted small">
          {result.runs === 0 && result.rowErrors === 0 && result.folderFiles === 0 && 'Nothing is older than the limits.'}
          {(result.runs > 0 || result.rowErrors > 0) &&
            `Removed ${formatNumber(result.runs)} run${result.runs === 1 ? '' : 's'}, ${formatNumber(result.rowErrors)} row errors and ${formatNumber(result.requests)} request records.`}
          {result.folderFiles > 0 && ` Removed ${formatNumber(result.folderFiles)} old file${result.folderFiles === 1 ? '' : 's'} from processed and failed folders.`}
          {result.freedPages > 0 && ` Gave ${formatNumber(result.freedPages)} database pages back to the disk.`}
          {!result.vacuumEnabled && ' The database file does not shrink until the agent restarts with enough free disk space to convert it once.'}
        </span>
      )}
      {action.error && <span className="field-error">{action.error}</span>}
    </div>
  );
}
