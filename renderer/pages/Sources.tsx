import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import type { SourceInfo } from '../../shared/dto';
import { client } from '../bridge/client';
import { EmptyState, ErrorState, Loading, PageHeader } from '../components/ui';
import { useAction, useEngine } from '../hooks';
import { AddDatabaseForm } from '../sources/AddDatabaseForm';
import { AddFolderForm } from '../sources/AddFolderForm';
import { EditSourceForm } from '../sources/EditSourceForm';
import { FilesView } from '../sources/FilesView';
import { RemoveSourceDialog } from '../sources/RemoveSourceDialog';
import { RowsPreview } from '../sources/RowsPreview';
import { SourceTable, type SourceAction } from '../sources/SourceTable';
import { nextStep } from '../sources/status';

/** A sentence on what just happened, and for an edit what it means for the jobs (one sentence a note). */
type Notice = { tone: 'ok' | 'bad'; text: string; notes?: string[]; link?: { to: string; label: string } } | null;

/** Back to the row's Edit button once its form closes, so a keyboard user is where they left off. */
const focusEditButton = (sourceId: string) =>
  window.requestAnimationFrame(() => document.querySelector<HTMLElement>(`[data-edit-source="${CSS.escape(sourceId)}"]`)?.focus());

export function Sources() {
  const list = useEngine('sources.list', {}, ['source.changed', 'run.started', 'run.finished']);
  const mappings = useEngine('mappings.list', {});
  const [adding, setAdding] = useState<'folder' | 'database' | null>(null);
  const [open, setOpen] = useState<{ id: string; view: 'files' | 'rows' } | null>(null);
  const [removing, setRemoving] = useState<SourceInfo | null>(null);
  const [editing, setEditing] = useState<SourceInfo | null>(null);
  // Bumped by an edit, so an open files or rows view reads the source again.
  const [revision, setRevision] = useState(0);
  const [notice, setNotice] = useState<Notice>(null);
  const [busyId, setBusyId] = useState<string | null>(null);
  const action = useAction();
  // A watcher's status (starting, watching, folder missing) changes without an engine event.
  const { reload } = list;
  useEffect(() => {
    const t = window.setInterval(() => document.visibilityState === 'visible' && reload(), 4000);
    return () => window.clearInterval(t);
  }, [reload]);

  const onAction = async (s: SourceInfo, a: SourceAction) => {
    setNotice(null);
    if (a === 'files' || a === 'rows') return setOpen((o) => (o?.id === s.id ? null : { id: s.id, view: a }));
    if (a === 'remove') return setRemoving(s);
    if (a === 'edit') return setEditing(s);
    setBusyId(s.id);
    if (a === 'count') {
      const c = await action.run(() => client.call('sources.countRows', { sourceId: s.id }));
      setBusyId(null);
      if (c) {
        setNotice({ tone: 'ok', text: `“${s.name}” has ${(c.rowCount ?? 0).toLocaleString('en-US')} row${c.rowCount === 1 ? '' : 's'}.` });
        list.reload();
      }
      return;
    }
    const r = await action.run(() => client.call(a === 'pause' ? 'sources.pause' : 'sources.resume', { sourceId: s.id }));
    setBusyId(null);
    if (r) {
      setNotice({ tone: 'ok', text: a === 'pause' ? `“${s.name}” is paused: no files or rows are taken until you resume it.` : `“${s.name}” is active again.` });
      list.reload();
    }
  };

  const saved = (s: SourceInfo, what: string) => {
    setAdding(null);
    // A source just added has no mapping of its own yet, whatever the list says.
    const next = nextStep(s, []);
    setNotice({ tone: 'ok', text: `“${s.name}” added. ${what}${next ? ` ${next.text}` : ''}`, link: next?.link });
    list.reload();
  };

  const closeEdit = (sourceId: string) => {
    setEditing(null);
    focusEditButton(sourceId);
  };

  const edited = (s: SourceInfo, notes: string[]) => {
    closeEdit(s.id);
    setNotice({ tone: 'ok', text: `“${s.name}” saved.`, notes });
    setRevision((r) => r + 1);
    list.reload();
  };

  const openSource = open && list.data?.find((s) => s.id === open.id);
  const actions = (
    <>
      <button type="button" className="button primary" onClick={() => setAdding('folder')} disabled={adding !== null || editing !== null} aria-controls={adding === 'folder' ? 'add-folder' : undefined}>
        Add folder
      </button>
      <button type="button" className="button" onClick={() => setAdding('database')} disabled={adding !== null || editing !== null} aria-controls={adding === 'database' ? 'add-database' : undefined}>
        Add database
      </button>
    </>
  );

  return (
    <>
      <PageHeader title="Sources" description="Folders the agent watches for new files, and databases it reads from." actions={actions} />
      <div role="status" aria-live="polite">
        {notice && (
          <div className={`banner ${notice.tone === 'ok' ? 'banner-ok' : 'banner-bad'}`}>
            <div style={{ flex: '1 1 30rem' }}>
              {notice.text}
              {notice.link && (
                <>
                  {' '}
                  <Link to={notice.link.to}>{notice.link.label}</Link>
                </>
              )}
              {notice.notes && notice.notes.length > 0 && (
                <ul className="notice-notes" aria-label="What the change means">
                  {notice.notes.map((n) => (
                    <li key={n}>{n}</li>
                  ))}
                </ul>
              )}
            </div>
            <button type="button" className="button small" onClick={() => setNotice(null)}>
              Dismiss
            </button>
          </div>
        )}
      </div>
      {action.error && <ErrorState message={action.error} />}
      {adding === 'folder' && <AddFolderForm onCancel={() => setAdding(null)} onSaved={(s) => saved(s, 'It is watched once a job takes files from it.')} />}
      {adding === 'database' && <AddDatabaseForm onCancel={() => setAdding(null)} onSaved={(s) => saved(s, 'It is read on the schedule of the job that uses it.')} />}
      {editing && <EditSourceForm key={editing.id} source={editing} onCancel={() => closeEdit(editing.id)} onSaved={edited} />}
      {list.error ? (
        <ErrorState message={list.error} onRetry={list.reload} />
      ) : !list.data ? (
        <Loading what="sources" />
      ) : list.data.length === 0 ? (
        !adding && (
          <EmptyState title="No sources yet" action={actions}>
            A source is where your data already lives: a shared folder that utility-bill exports or ERP dumps are saved into, or a table in a local database.
          </EmptyState>
        )
      ) : (
        <SourceTable sources={list.data} mappings={mappings.data ?? null} selected={openSource ? openSource.id : null} editing={editing?.id ?? null} formOpen={adding !== null || editing !== null} busyId={busyId} onAction={(s, a) => void onAction(s, a)} />
      )}
      {openSource && open?.view === 'files' && <FilesView key={`${openSource.id}-${revision}`} source={openSource} onClose={() => setOpen(null)} />}
      {openSource && open?.view === 'rows' && <RowsPreview key={`${openSource.id}-${revision}`} source={openSource} onClose={() => setOpen(null)} />}
      {removing && (
        <RemoveSourceDialog
          source={removing}
          onClose={() => setRemoving(null)}
          onRemoved={(text) => {
            setNotice({ tone: 'ok', text: `“${removing.name}” removed. ${text}`.trim() });
            if (open?.id === removing.id) setOpen(null);
            if (editing?.id === removing.id) setEditing(null);
            setRemoving(null);
            list.reload();
          }}
        />
      )}
    </>
  );
}
