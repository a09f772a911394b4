import { Link } from 'react-router-dom';
import type { MappingInfo, SourceInfo } from '../../shared/dto';
import { Badge, Card, SandboxLabel } from '../components/ui';
import { baseName, countedAgo, kindLabel, nextStep, rowCountText, sourceStatus } from './status';

export type SourceAction = 'files' | 'rows' | 'count' | 'edit' | 'pause' | 'resume' | 'remove';

/** One row per source: what it is, where, how it is doing, and what it last took. */
export function SourceTable({
  sources,
  mappings,
  selected,
  editing,
  formOpen,
  busyId,
  onAction,
}: {
  sources: SourceInfo[];
  /** Null until read: the next-step link waits for it rather than say "make a mapping" for a source that has one. */
  mappings: MappingInfo[] | null;
  selected: string | null;
  /** The source whose edit form is open. */
  editing: string | null;
  /** An add or edit form is open: another waits until it is saved or cancelled. */
  formOpen: boolean;
  busyId: string | null;
  onAction: (s: SourceInfo, a: SourceAction) => void;
}) {
  return (
    <Card>
      <table className="table" aria-label="Sources">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Kind</th>
            <th scope="col">Folder or database</th>
            <th scope="col">Status</th>
            <th scope="col">Last file or watermark</th>
            <th scope="col" className="num">
              Files or rows
            </th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {sources.map((s) => {
            const st = sourceStatus(s);
            const next = mappings && !s.paused ? nextStep(s, mappings) : null;
            return (
              <tr key={s.id} style={selected === s.id ? { background: 'var(--accent-soft)' } : undefined}>
                <td>
                  <strong>{s.name}</strong> {s.sandbox && <SandboxLabel />}
                </td>
                <td>{kindLabel(s)}</td>
                <td style={{ maxWidth: '22rem' }}>
                  <code style={{ wordBreak: 'normal', overflowWrap: 'anywhere' }}>{s.location}</code>
                </td>
                <td data-testid="source-status">
                  <Badge tone={st.tone}>{st.label}</Badge>
                  {st.detail && (
                    <div className="small" style={{ color: st.tone === 'bad' ? 'var(--bad)' : 'var(--muted)', maxWidth: '26ch' }}>
                      {st.detail}
                    </div>
                  )}
                  {next && (
                    <div className="small" style={{ maxWidth: '26ch' }}>
                      <Link to={next.link.to}>{next.link.label}</Link>
                    </div>
                  )}
                </td>
                <td>
                  {s.kind === 'folder' ? (
                    s.lastFile ? (
                      <span title={s.lastFile}>{baseName(s.lastFile)}</span>
                    ) : (
                      <span className="muted">none yet</span>
                    )
                  ) : s.database?.watermarkColumn ? (
                    <>
                      {s.lastWatermark ? <code>{s.lastWatermark}</code> : <span className="muted">nothing read yet</span>}
                      <div className="muted small">by {s.database.watermarkColumn}</div>
                    </>
                  ) : (
                    <span className="muted">no watermark (reads all rows)</span>
                  )}
                </td>
                <td className="num">
                  {s.kind === 'folder' ? (
                    <>
                      {s.filesSeen ?? 0}
                      {s.filesWaiting > 0 && <div className="small muted">{s.filesWaiting} waiting</div>}
                    </>
                  ) : rowCountText(s) ? (
                    <span data-testid="source-row-count">
                      <span style={{ whiteSpace: 'nowrap' }}>{rowCountText(s)}</span>
                      {s.rowCountAt && (
                        <div className="small muted" title={new Date(s.rowCountAt).toLocaleString()}>
                          counted {countedAgo(s.rowCountAt, new Date())}
                        </div>
                      )}
                    </span>
                  ) : (
                    <span className="muted small" data-testid="source-row-count">
                      not counted yet
                    </span>
                  )}
                </td>
                <td>
                  {/* Wide enough for three buttons a line, so five never stack into three lines. */}
                  <div className="source-actions">
                    {s.kind === 'folder' ? (
                      <button type="button" className="button small" aria-label={`Files of ${s.name}`} aria-pressed={selected === s.id} onClick={() => onAction(s, 'files')}>
                        Files
                      </button>
                    ) : (
                      <button type="button" className="button small" aria-label={`Rows of ${s.name}`} aria-pressed={selected === s.id} onClick={() => onAction(s, 'rows')}>
                        Rows
                      </button>
                    )}
                    {s.kind === 'database' && (
                      <button type="button" className="button small" disabled={busyId === s.id} aria-label={`Count rows of ${s.name}`} onClick={() => onAction(s, 'count')}>
                        Count rows
                      </button>
                    )}
                    <button
                      type="button"
                      className="button small"
                      data-edit-source={s.id}
                      disabled={formOpen && editing !== s.id}
                      aria-label={`Edit ${s.name}`}
                      aria-expanded={editing === s.id}
                      aria-controls={editing === s.id ? 'edit-source' : undefined}
                      onClick={() => onAction(s, 'edit')}
                    >
                      Edit
                    </button>
                    <button
                      type="button"
                      className="button small"
                      disabled={busyId === s.id}
                      aria-label={`${s.paused ? 'Resume' : 'Pause'} ${s.name}`}
                      onClick={() => onAction(s, s.paused ? 'resume' : 'pause')}
                    >
                      {s.paused ? 'Resume' : 'Pause'}
                    </button>
                    <button type="button" className="button small danger" aria-label={`Remove ${s.name}`} onClick={() => onAction(s, 'remove')}>
                      Remove
                    </button>
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </Card>
  );
}
