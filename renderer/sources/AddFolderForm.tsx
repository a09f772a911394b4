import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { SourceInfo } from '../../shared/dto';
import { client } from '../bridge/client';
import { pickFolder } from '../bridge/folder-picker';
import { Card, ErrorState } from '../components/ui';
import { useAction } from '../hooks';
import { Field } from './form';
import { DEFAULT_INCLUDE, parsePatterns, secondsToMs } from './patterns';

type AfterRun = 'move' | 'leave' | 'delete';
type Check = { state: 'idle' } | { state: 'checking' } | { state: 'ok' | 'bad'; message: string; path: string };

const AFTER_RUN: Array<{ value: AfterRun; label: string; help: string }> = [
  { value: 'move', label: 'Move it to processed/ or failed/', help: 'Inside this folder. A failed file gets a .errors.csv beside it. Nothing is ever overwritten.' },
  { value: 'leave', label: 'Leave it where it is', help: 'The same content is never synced twice; a changed file is synced as a new version.' },
  { value: 'delete', label: 'Delete it after a successful run', help: 'A failed file is still moved to failed/ so it can be fixed.' },
];

/**
 * Add a watched folder. In the desktop app a native dialog picks the folder; in a browser the
 * path is typed and the agent checks, as soon as the field is left, that it exists and is readable.
 */
export function AddFolderForm({ onCancel, onSaved }: { onCancel: () => void; onSaved: (s: SourceInfo) => void }) {
  const [name, setName] = useState('');
  const [path, setPath] = useState('');
  const [check, setCheck] = useState<Check>({ state: 'idle' });
  const [recursive, setRecursive] = useState(false);
  const [include, setInclude] = useState(DEFAULT_INCLUDE);
  const [exclude, setExclude] = useState('');
  const [stable, setStable] = useState('2');
  const [polling, setPolling] = useState(false);
  const [pollSeconds, setPollSeconds] = useState('5');
  const [afterRun, setAfterRun] = useState<AfterRun>('move');
  const [formError, setFormError] = useState<string | null>(null);
  const save = useAction();
  const nameRef = useRef<HTMLInputElement>(null);
  useEffect(() => nameRef.current?.focus(), []);

  const checkPath = async (value: string) => {
    if (!value.trim()) return setCheck({ state: 'idle' });
    setCheck({ state: 'checking' });
    try {
      const r = await client.call('sources.checkFolder', { path: value });
      setCheck({ state: r.ok ? 'ok' : 'bad', message: r.message, path: value });
    } catch (err) {
      setCheck({ state: 'bad', message: err instanceof Error ? err.message : String(err), path: value });
    }
  };

  const choose = async () => {
    if (!pickFolder) return;
    const picked = await pickFolder();
    if (picked) {
      setPath(picked);
      if (!name.trim()) setName(picked.split(/[\\/]/).filter(Boolean).pop() ?? '');
      void checkPath(picked);
    }
  };

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setFormError(null);
    const stableMs = secondsToMs(stable, 100, 600_000);
    const pollIntervalMs = secondsToMs(pollSeconds, 250, 3_600_000);
    const inc = parsePatterns(include);
    if (stableMs === null) return setFormError('The stability threshold takes a number of seconds from 0.1 to 600.');
    if (polling && pollIntervalMs === null) return setFormError('The polling interval takes a number of seconds from 0.25 to 3600.');
    if (inc.length === 0) return setFormError('Give at least one file pattern to take, e.g. *.csv;*.xlsx.');
    const r = await save.run(() =>
      client.call('sources.addFolder', {
        name,
        path: path.trim(),
        recursive,
        include: inc,
        exclude: parsePatterns(exclude),
        stableMs,
        usePolling: polling,
        ...(polling && pollIntervalMs !== null ? { pollIntervalMs } : {}),
        afterRun,
      }),
    );
    if (r) onSaved(r);
  };

  const pathError = check.state === 'bad' && check.path === path ? check.message : null;
  return (
    <Card title="Add a watched folder">
      <form id="add-folder" aria-label="Add a watched folder" onSubmit={(e) => void onSubmit(e)} autoComplete="off">
        <p className="muted small" style={{ marginTop: 0 }}>
          A file is taken once it is fully written — its size and time stay the same for the stability threshold — and only once per content.
        </p>
        <Field label="Name" help="How the folder is shown in mappings, jobs and history, e.g. “Utility bills”.">
          {(id, d) => <input id={id} ref={nameRef} aria-describedby={d} required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field
          label="Folder"
          help={pickFolder ? 'Choose the folder, or type its full path.' : 'The full path as this computer sees it, e.g. /srv/exports or \\\\fileserver\\esg\\exports. The agent checks it can read it.'}
          error={pathError}
        >
          {(id, d) => (
            <div style={{ display: 'flex', gap: '0.5rem' }}>
              <input
                id={id}
                aria-describedby={d}
                aria-invalid={pathError ? true : undefined}
                required
                spellCheck={false}
                style={{ flex: 1, minWidth: 0 }}
                value={path}
                onChange={(e) => {
                  setPath(e.target.value);
                  // The last save's error was about the old path; a new path starts clean.
                  if (save.error) save.clearError();
                }}
                onBlur={(e) => {
                  // Leaving the field for "Add folder" itself: the save checks the folder, and a
                  // check shown now (under the field, above the button) would only race the click.
                  if (e.relatedTarget instanceof HTMLButtonElement && e.relatedTarget.type === 'submit') return;
                  void checkPath(path);
                }}
              />
              {pickFolder && (
                <button type="button" className="button" onClick={() => void choose()}>
                  Choose folder…
                </button>
              )}
            </div>
          )}
        </Field>
        {/* One line is always reserved for the check, so its status never moves the controls below it. */}
        <div role="status" aria-live="polite" className="small folder-check">
          {check.state === 'checking' && <span className="muted">Checking the folder…</span>}
          {check.state === 'ok' && check.path === path && (
            <span className="ok-text" title={check.message}>
              ✓ {check.message}
            </span>
          )}
        </div>
        <label className="checkbox">
          <input type="checkbox" checked={recursive} onChange={(e) => setRecursive(e.target.checked)} /> Include sub-folders
        </label>
        <div className="wizard-row" style={{ marginTop: '0.6rem' }}>
          <Field label="Take files matching" help="Patterns separated by ; — e.g. *.csv;*.xlsx">
            {(id, d) => <input id={id} aria-describedby={d} spellCheck={false} value={include} onChange={(e) => setInclude(e.target.value)} />}
          </Field>
          <Field label="Ignore files matching (optional)" help="Temp and lock files (~$*, *.tmp, *.part, dotfiles) are always ignored.">
            {(id, d) => <input id={id} aria-describedby={d} spellCheck={false} placeholder="e.g. draft*;*-old.csv" value={exclude} onChange={(e) => setExclude(e.target.value)} />}
          </Field>
        </div>
        <Field label="Stability threshold (seconds)" help="How long a file must stay unchanged before it is taken. Raise it for slow copies.">
          {(id, d) => <input id={id} aria-describedby={d} inputMode="decimal" style={{ maxWidth: '8rem' }} value={stable} onChange={(e) => setStable(e.target.value)} />}
        </Field>
        <fieldset>
          <legend>Network drive (SMB/NFS)</legend>
          <label className="checkbox">
            <input type="checkbox" checked={polling} onChange={(e) => setPolling(e.target.checked)} /> Check the folder by polling — file events are unreliable on network shares
          </label>
          {polling && (
            <Field label="Polling interval (seconds)">
              {(id) => <input id={id} inputMode="decimal" style={{ maxWidth: '8rem' }} value={pollSeconds} onChange={(e) => setPollSeconds(e.target.value)} />}
            </Field>
          )}
        </fieldset>
        <fieldset>
          <legend>After a file’s run</legend>
          {AFTER_RUN.map((o) => (
            <label key={o.value} className="radio" style={{ alignItems: 'flex-start' }}>
              <input type="radio" name="after-run" value={o.value} checked={afterRun === o.value} onChange={() => setAfterRun(o.value)} style={{ marginTop: '0.3rem' }} />
              <span>
                {o.label}
                <br />
                <small className="muted">{o.help}</small>
              </span>
            </label>
          ))}
        </fieldset>
        {formError && <div className="wizard-error" role="alert">{formError}</div>}
        {save.error && <ErrorState message={save.error} />}
        <div className="form-actions">
          <button type="submit" className="button primary" disabled={save.busy}>
            {save.busy ? 'Adding…' : 'Add folder'}
          </button>
          <button type="button" className="button" onClick={onCancel} disabled={save.busy}>
            Cancel
          </button>
        </div>
      </form>
    </Card>
  );
}
