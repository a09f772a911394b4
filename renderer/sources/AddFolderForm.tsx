import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import type { SourceSettings } from '../../shared/contract/sources';
import { client } from '../bridge/client';
import { pickFolder } from '../bridge/folder-picker';
import { Card, ErrorState } from '../components/ui';
import { useAction } from '../hooks';
import { NOTHING_CHANGED, updateParams, useFormErrors, type OnSaved } from './changes';
import { Field } from './form';
import { DEFAULT_INCLUDE, formatPatterns, msToSeconds, parsePatterns, secondsToMs } from './patterns';

type AfterRun = 'move' | 'leave' | 'delete';
type Check = { state: 'idle' } | { state: 'checking' } | { state: 'ok' | 'bad'; message: string; path: string };
/** A folder source being edited: its settings as loaded from the engine. */
export type FolderEdit = Extract<SourceSettings, { kind: 'folder' }>;

const AFTER_RUN: Array<{ value: AfterRun; label: string; help: string }> = [
  { value: 'move', label: 'Move it to processed/ or failed/', help: 'Inside this folder. A failed file gets a .errors.csv beside it. Nothing is ever overwritten.' },
  { value: 'leave', label: 'Leave it where it is', help: 'The same content is never synced twice; a changed file is synced as a new version.' },
  { value: 'delete', label: 'Delete it after a successful run', help: 'A failed file is still moved to failed/ so it can be fixed.' },
];

/** The form's fields as typed. */
interface FolderForm {
  path: string;
  recursive: boolean;
  include: string;
  exclude: string;
  stable: string;
  polling: boolean;
  pollSeconds: string;
  afterRun: AfterRun;
}

const NEW_FOLDER: FolderForm = { path: '', recursive: false, include: DEFAULT_INCLUDE, exclude: '', stable: '2', polling: false, pollSeconds: '5', afterRun: 'move' };

const formOf = (f: FolderEdit['folder']): FolderForm => ({
  path: f.path,
  recursive: f.recursive,
  include: formatPatterns(f.include),
  exclude: formatPatterns(f.exclude),
  stable: msToSeconds(f.stableMs),
  polling: f.usePolling,
  pollSeconds: msToSeconds(f.pollIntervalMs),
  afterRun: f.afterRun,
});

/** The fields as the contract takes them, or a sentence saying what is wrong. */
function folderValues(f: FolderForm) {
  const stableMs = secondsToMs(f.stable, 100, 600_000);
  const pollIntervalMs = secondsToMs(f.pollSeconds, 250, 3_600_000);
  const include = parsePatterns(f.include);
  if (stableMs === null) return 'The stability threshold takes a number of seconds from 0.1 to 600.';
  if (f.polling && pollIntervalMs === null) return 'The polling interval takes a number of seconds from 0.25 to 3600.';
  if (include.length === 0) return 'Give at least one file pattern to take, e.g. *.csv;*.xlsx.';
  return {
    path: f.path.trim(),
    recursive: f.recursive,
    include,
    exclude: parsePatterns(f.exclude),
    stableMs,
    usePolling: f.polling,
    ...(pollIntervalMs !== null ? { pollIntervalMs } : {}),
    afterRun: f.afterRun,
  };
}

/**
 * Add a watched folder, or (with `edit`) change one in place, prefilled from its settings; only
 * the fields that differ from them are sent. In the desktop app a native dialog picks the folder;
 * in a browser the path is typed and the agent checks, as soon as the field is left, that it
 * exists and is readable.
 */
export function AddFolderForm({ edit, onCancel, onSaved }: { edit?: FolderEdit; onCancel: () => void; onSaved: OnSaved }) {
  const initial = useMemo(() => (edit ? formOf(edit.folder) : NEW_FOLDER), [edit]);
  const [name, setName] = useState(edit?.name ?? '');
  const [path, setPath] = useState(initial.path);
  const [check, setCheck] = useState<Check>({ state: 'idle' });
  const [recursive, setRecursive] = useState(initial.recursive);
  const [include, setInclude] = useState(initial.include);
  const [exclude, setExclude] = useState(initial.exclude);
  const [stable, setStable] = useState(initial.stable);
  const [polling, setPolling] = useState(initial.polling);
  const [pollSeconds, setPollSeconds] = useState(initial.pollSeconds);
  const [afterRun, setAfterRun] = useState<AfterRun>(initial.afterRun);
  const save = useAction();
  const { formError, setFormError, onChange } = useFormErrors(save);
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
    const values = folderValues({ path, recursive, include, exclude, stable, polling, pollSeconds, afterRun });
    if (typeof values === 'string') return setFormError(values);
    if (!edit) {
      const r = await save.run(() => client.call('sources.addFolder', { name, ...values }));
      if (r) onSaved(r, []);
      return;
    }
    const params = updateParams(edit, name, 'folder', folderValues(initial), values);
    if (!params) return setFormError(NOTHING_CHANGED);
    const r = await save.run(() => client.call('sources.update', params));
    if (r) onSaved(r.source, r.notes);
  };

  const pathError = check.state === 'bad' && check.path === path ? check.message : null;
  const title = edit ? `Edit source “${edit.name}”` : 'Add a watched folder';
  return (
    <Card title={title}>
      <form id={edit ? 'edit-source' : 'add-folder'} aria-label={title} onSubmit={(e) => void onSubmit(e)} onChange={onChange} autoComplete="off">
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
                // A new path also clears the last save's error about the old one (the form's onChange).
                onChange={(e) => setPath(e.target.value)}
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
            {edit ? (save.busy ? 'Saving…' : 'Save changes') : save.busy ? 'Adding…' : 'Add folder'}
          </button>
          <button type="button" className="button" onClick={onCancel} disabled={save.busy}>
            Cancel
          </button>
        </div>
      </form>
    </Card>
  );
}
