import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { client } from '../bridge/client';
import { ConfirmDialog, ErrorState } from '../components/ui';
import { useAction, useEngine } from '../hooks';
import type { DemoStatus } from './sandbox';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** ': “A”, “B”' for the named ones among `ids` — a mapping or job a person made on the sandbox goes too, so it is named. */
function named(ids: string[], items: Array<{ id: string; name: string }> | undefined): string {
  const names = ids.map((id) => items?.find((i) => i.id === id)?.name).filter((n): n is string => Boolean(n));
  return names.length ? `: ${names.map((n) => `“${n}”`).join(', ')}` : '';
}

/** "Remove sandbox data": says exactly what goes, asks once, then removes it all. */
export function RemoveSandbox({ status, onRemoved }: { status: DemoStatus; onRemoved?: (message: string) => void }) {
  const [open, setOpen] = useState(false);
  const action = useAction();
  const navigate = useNavigate();
  const s = status.sandbox;
  // Read again when the dialog opens: what uses the sandbox connection now, by name.
  const mappings = useEngine('mappings.list', {}, []);
  const jobs = useEngine('jobs.list', {}, []);
  const remove = async () => {
    const r = await action.run(() => client.call('demo.remove', {}));
    if (!r) return;
    setOpen(false);
    const message =
      `Sandbox data removed: ${plural(r.connections, 'connection')}, ${plural(r.sources, 'source')}, ${plural(r.mappings, 'mapping')}, ` +
      `${plural(r.jobs, 'job')} and ${plural(r.runs, 'run')}${r.folderRemoved ? ', and the sample folder' : ''}.` +
      (r.warnings.length ? ` ${r.warnings.join(' ')}` : '');
    onRemoved?.(message);
    navigate('/', { state: { message } });
  };
  return (
    <>
      <button
        type="button"
        className="button danger"
        onClick={() => {
          mappings.reload();
          jobs.reload();
          setOpen(true);
        }}
      >
        Remove sandbox data
      </button>
      <ConfirmDialog
        open={open}
        title="Remove all sandbox data?"
        confirmLabel="Remove sandbox data"
        danger
        busy={action.busy}
        onConfirm={() => void remove()}
        onCancel={() => {
          action.clearError();
          setOpen(false);
        }}
      >
        <p>This removes the sandbox connection and everything that uses it, including anything you made on it yourself:</p>
        <ul>
          <li>{plural(s.connectionIds.length, 'sandbox connection')} and its demo secret</li>
          <li>{plural(s.sourceIds.length, 'sandbox source')} and the sample folder{status.folder ? <> (<code>{status.folder}</code>)</> : null}</li>
          <li>
            {plural(s.mappingIds.length, 'mapping')} made for the sandbox{named(s.mappingIds, mappings.data)}
          </li>
          <li>
            {plural(s.jobIds.length, 'job')} on the sandbox, with {s.jobIds.length === 1 ? 'its' : 'their'} run history{named(s.jobIds, jobs.data)}
          </li>
          <li>the sandbox platform and the values sent to it</li>
        </ul>
        <p className="muted small">Your own sources, and connections to real platforms, stay.</p>
        {action.error && <ErrorState message={action.error} />}
      </ConfirmDialog>
    </>
  );
}
