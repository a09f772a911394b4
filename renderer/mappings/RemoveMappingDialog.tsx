import { useNavigate } from 'react-router-dom';
import type { JobInfo, MappingInfo } from '../../shared/dto';
import { client } from '../bridge/client';
import { ConfirmDialog } from '../components/ui';
import { useAction } from '../hooks';

const quoted = (names: string[]) => names.map((n) => `“${n}”`).join(', ');

/**
 * Confirms removing a mapping. One a job uses cannot be removed: the dialog names the jobs and
 * offers the Jobs page instead. Should a job have taken it since the jobs were read, the engine
 * refuses: its sentence (naming the job) replaces the explanation, and the jobs are read again.
 */
export function RemoveMappingDialog({
  mapping,
  open,
  jobs,
  onClose,
  onRemoved,
  onRefused,
}: {
  mapping: MappingInfo | null;
  open: boolean;
  /** The jobs as last read; undefined while they are not known (the engine checks anyway). */
  jobs: JobInfo[] | undefined;
  onClose: () => void;
  onRemoved: (name: string) => void;
  /** The engine did not remove it: the jobs are worth reading again. */
  onRefused: () => void;
}) {
  const remove = useAction();
  const navigate = useNavigate();
  const usedBy = mapping ? (jobs ?? []).filter((j) => j.mappingId === mapping.id).map((j) => j.name) : [];
  const inUse = usedBy.length > 0;
  const one = usedBy.length === 1;
  const close = () => {
    remove.clearError();
    onClose();
  };
  const confirm = async () => {
    if (!mapping) return;
    if (inUse) {
      close();
      navigate('/jobs');
      return;
    }
    const r = await remove.run(() => client.call('mappings.remove', { mappingId: mapping.id }));
    if (r) onRemoved(r.removed);
    else onRefused();
  };
  return (
    <ConfirmDialog
      open={open && mapping !== null}
      title={mapping ? `Remove “${mapping.name}”?` : ''}
      confirmLabel={inUse ? 'Open the Jobs page' : 'Remove mapping'}
      danger={!inUse}
      busy={remove.busy}
      onConfirm={() => void confirm()}
      onCancel={close}
    >
      {!mapping ? null : remove.error ? (
        <div className="banner banner-bad" role="alert" style={{ display: 'block' }}>
          {remove.error}
        </div>
      ) : inUse ? (
        <div className="banner banner-warn" style={{ display: 'block' }}>
          <strong>
            {one ? 'The job' : 'The jobs'} {quoted(usedBy)} {one ? 'uses' : 'use'} this mapping, so it cannot be removed.
          </strong>{' '}
          Remove or change {one ? 'that job' : 'those jobs'} on the Jobs page first.
        </div>
      ) : (
        <>
          <p>
            The mapping{mapping.version > 1 ? ` and its ${mapping.version} saved versions are` : ' is'} removed from this agent. Values already sent to the platform stay there,
            and run history is kept.
          </p>
          <p className="muted small">To keep a copy, cancel and use Export first.</p>
        </>
      )}
    </ConfirmDialog>
  );
}
