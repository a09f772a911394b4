import { useEffect, useState } from 'react';
import type { Settings as SettingsT } from '../../shared/api';
import { client } from '../bridge/client';
import { Card, ErrorState, Loading, PageHeader } from '../components/ui';
import { LogsFolder } from '../components/LogsFolder';
import { useAction, useEngine } from '../hooks';

export function Settings() {
  const settings = useEngine('settings.get', {});
  const status = useEngine('engine.status', {}, ['engine.changed']);
  const [draft, setDraft] = useState<SettingsT | null>(null);
  const [saved, setSaved] = useState(false);
  const save = useAction();

  useEffect(() => {
    if (settings.data) setDraft(settings.data);
  }, [settings.data]);

  if (settings.error) return <ErrorState message={settings.error} onRetry={settings.reload} />;
  if (!draft) return <Loading what="settings" />;

  const onSubmit = async (e: React.FormEvent) => {
    e.preventDefault();
    setSaved(false);
    const next = await save.run(() => client.call('settings.update', draft));
    if (next) {
      setDraft(next);
      setSaved(true);
    }
  };

  return (
    <>
      <PageHeader title="Settings" description="How long history is kept, when you are notified, and what happens after the computer was asleep." />
      <form onSubmit={(e) => void onSubmit(e)} className="form" aria-label="Settings">
        <Card title="History">
          <label className="field">
            <span>Keep run history for (days)</span>
            <input
              type="number"
              min={1}
              max={3650}
              required
              value={draft.retentionDays}
              onChange={(e) => setDraft({ ...draft, retentionDays: Number(e.target.value) })}
            />
          </label>
          <label className="field">
            <span>Keep at most this many runs</span>
            <input
              type="number"
              min={100}
              max={10000000}
              required
              value={draft.retentionRuns}
              onChange={(e) => setDraft({ ...draft, retentionRuns: Number(e.target.value) })}
            />
            <small className="muted">Row-level errors of old runs are removed first.</small>
          </label>
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
        </Card>
        <Card title="Notifications and updates">
          <label className="checkbox">
            <input type="checkbox" checked={draft.notifyOnFailure} onChange={(e) => setDraft({ ...draft, notifyOnFailure: e.target.checked })} />
            Notify me when a run fails or needs attention
          </label>
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
