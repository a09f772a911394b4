import type { SourceInfo } from '../../shared/dto';
import { Card, ErrorState, Loading } from '../components/ui';
import { useEngine } from '../hooks';
import { RowsTable } from './form';

/** The first rows a database source returns now, read through the saved settings. */
export function RowsPreview({ source, onClose }: { source: SourceInfo; onClose: () => void }) {
  const preview = useEngine('sources.preview', { sourceId: source.id, limit: 20 });
  const d = source.database;
  return (
    <Card title={`First rows of “${source.name}”`}>
      <div style={{ display: 'flex', justifyContent: 'space-between', gap: '1rem', flexWrap: 'wrap', alignItems: 'flex-start' }}>
        <dl className="facts small" style={{ marginTop: 0 }}>
          <dt>Reads</dt>
          <dd>
            <code>{source.location}</code>
          </dd>
          <dt>Watermark</dt>
          <dd>{d?.watermarkColumn ? `${d.watermarkColumn}${source.lastWatermark ? ` — read up to ${source.lastWatermark}` : ' — nothing read yet'}` : 'none: every run reads all rows'}</dd>
          <dt>Password</dt>
          <dd>{d?.passwordInKeychain ? 'in the system keychain' : 'none'}</dd>
        </dl>
        <div style={{ display: 'flex', gap: '0.5rem' }}>
          <button type="button" className="button small" onClick={preview.reload}>
            Refresh
          </button>
          <button type="button" className="button small" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
      {preview.error ? (
        <ErrorState message={preview.error} onRetry={preview.reload} />
      ) : !preview.data ? (
        <Loading what="rows" />
      ) : preview.data.rows.length === 0 ? (
        <p className="muted">The source returned no rows.</p>
      ) : (
        <RowsTable columns={preview.data.columns} rows={preview.data.rows} label={`First rows of ${source.name}`} />
      )}
    </Card>
  );
}
