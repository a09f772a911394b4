import type { SourceInfo } from '../../shared/dto';
import { Card, ErrorState, Loading } from '../components/ui';
import { useEngine } from '../hooks';
import { AddDatabaseForm } from './AddDatabaseForm';
import { AddFolderForm } from './AddFolderForm';
import type { OnSaved } from './changes';

/** Edit a source: its settings are read from the engine, then the add form of its kind opens in edit mode. */
export function EditSourceForm({ source, onCancel, onSaved }: { source: SourceInfo; onCancel: () => void; onSaved: OnSaved }) {
  const settings = useEngine('sources.settings', { sourceId: source.id });
  if (settings.data?.kind === 'folder') return <AddFolderForm edit={settings.data} onCancel={onCancel} onSaved={onSaved} />;
  if (settings.data?.kind === 'database') return <AddDatabaseForm edit={settings.data} onCancel={onCancel} onSaved={onSaved} />;
  return (
    <Card title={`Edit source “${source.name}”`}>
      {settings.error ? <ErrorState message={settings.error} onRetry={settings.reload} /> : <Loading what="its settings" />}
      <div className="form-actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </Card>
  );
}
