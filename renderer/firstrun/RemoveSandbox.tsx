import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { client } from '../bridge/client';
import { ConfirmDialog, ErrorState } from '../components/ui';
import { useAction } from '../hooks';
import type { DemoStatus } from './sandbox';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "Remove sandbox data": says exactly what goes, asks once, then removes it all. */
export function RemoveSandbox({ status, onRemoved }: { status: DemoStatus; onRemoved?: (message: string) => void }) {
  const [open, setOpen] = useState(false);
  const action = useAction();
  const navigate = useNavigate();
  const s = status.sandbox;
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
      <button type="button" className="button danger" onClick={() => setOpen(true)}>
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
        <p>This removes everything the sandbox tour made, and nothing else:</p>
        <ul>
          <li>{plural(s.connectionIds.length, 'sandbox connection')} and its demo secret</li>
          <li>{plural(s.sourceIds.length, 'sandbox source')} and the sample folder{status.folder ? <> (<code>{status.folder}</code>)</> : null}</li>
          <li>{plural(s.mappingIds.length, 'mapping')} made for the sandbox</li>
          <li>{plural(s.jobIds.length, 'sandbox job')} with their run history</li>
          <li>the sandbox platform and the values sent to it</li>
        </ul>
        {action.error && <ErrorState message={action.error} />}
      </ConfirmDialog>
    </>
  );
}
