import type { SourceInfo } from '../../shared/dto';
import { client } from '../bridge/client';
import { ErrorState } from '../components/ui';
import { useAction } from '../hooks';
import { Modal } from './form';

/** Confirms a removal; a source a job reads is not removable, and the dialog says which job. */
export function RemoveSourceDialog({ source, onClose, onRemoved }: { source: SourceInfo; onClose: () => void; onRemoved: (text: string) => void }) {
  const remove = useAction();
  const jobs = source.usedByJobs ?? [];
  const onConfirm = async () => {
    const r = await remove.run(() => client.call('sources.remove', { sourceId: source.id }));
    if (!r) return;
    onRemoved([r.secretRemoved ? 'Its password was deleted from the system keychain.' : '', r.warning ?? ''].filter(Boolean).join(' '));
  };
  return (
    <Modal title={`Remove “${source.name}”?`} onClose={onClose}>
      {jobs.length > 0 ? (
        <div className="banner banner-warn" style={{ display: 'block' }}>
          <strong>{jobs.length === 1 ? 'The job' : 'The jobs'} {jobs.map((j) => `“${j}”`).join(', ')} read{jobs.length === 1 ? 's' : ''} this source.</strong> Remove or change{' '}
          {jobs.length === 1 ? 'that job' : 'those jobs'} on the Jobs page first.
        </div>
      ) : source.kind === 'folder' ? (
        <p>The agent stops watching the folder. The folder and its files stay as they are; the list of files it has seen is forgotten.</p>
      ) : (
        <p>The agent stops reading this database.{source.database?.passwordInKeychain ? ' Its password is deleted from the system keychain.' : ''} The database itself is not touched.</p>
      )}
      <p className="muted small">Run history is kept.</p>
      {remove.error && <ErrorState message={remove.error} />}
      <div className="form-actions">
        <button type="button" className="button danger" disabled={remove.busy || jobs.length > 0} onClick={() => void onConfirm()}>
          {remove.busy ? 'Removing…' : 'Remove source'}
        </button>
        <button type="button" className="button" onClick={onClose} data-autofocus>
          Cancel
        </button>
      </div>
    </Modal>
  );
}
