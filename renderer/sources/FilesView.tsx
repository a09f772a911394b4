import { useEffect } from 'react';
import { Link } from 'react-router-dom';
import type { SourceFile } from '../../shared/contract/sources';
import type { SourceInfo } from '../../shared/dto';
import { plural } from '../../shared/plural';
import { Badge, Card, ErrorState, Loading } from '../components/ui';
import { formatNumber, formatTime } from '../format';
import { useEngine } from '../hooks';
import { afterRunLabel, baseName, formatBytes, shortHash, type Tone } from './status';

const FILE_STATUS: Record<SourceFile['status'], { label: string; tone: Tone }> = {
  processed: { label: 'Processed', tone: 'ok' },
  failed: { label: 'Failed', tone: 'bad' },
  duplicate: { label: 'Duplicate', tone: 'neutral' },
  pending: { label: 'Waiting', tone: 'info' },
};

/**
 * The files a folder source has seen, newest first: each identified by its content hash, with
 * what became of it and the run that took it. Refreshes as runs start and finish.
 */
export function FilesView({ source, onClose }: { source: SourceInfo; onClose: () => void }) {
  const files = useEngine('sources.files', { sourceId: source.id, limit: 50 }, ['run.started', 'run.finished', 'source.changed']);
  // A duplicate is recorded without a run, so nothing announces it: look again now and then.
  const { reload } = files;
  useEffect(() => {
    const t = window.setInterval(() => document.visibilityState === 'visible' && reload(), 5000);
    return () => window.clearInterval(t);
  }, [reload]);
  const f = source.folder;
  return (
    <Card title={`Files seen in “${source.name}”`}>
      <div style={{ display: 'flex', justifyContent: 'space-between', gap: '1rem', flexWrap: 'wrap', alignItems: 'flex-start' }}>
        {f && (
          <dl className="facts small" style={{ marginTop: 0 }}>
            <dt>Folder</dt>
            <dd>
              <code>{source.location}</code>
              {f.recursive ? ' and its sub-folders' : ''}
            </dd>
            <dt>Takes</dt>
            <dd>
              {f.include.join('; ')}
              {f.exclude.length ? ` — ignores ${f.exclude.join('; ')}` : ''}
            </dd>
            <dt>Taken when</dt>
            <dd>unchanged for {f.stableMs / 1000} s{f.usePolling ? `, checked every ${f.pollIntervalMs / 1000} s (polling)` : ''}</dd>
            <dt>After its run</dt>
            <dd>{afterRunLabel[f.afterRun]}</dd>
          </dl>
        )}
        <div style={{ display: 'flex', gap: '0.5rem' }}>
          <button type="button" className="button small" onClick={reload}>
            Refresh
          </button>
          <button type="button" className="button small" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
      {files.error ? (
        <ErrorState message={files.error} onRetry={reload} />
      ) : !files.data ? (
        <Loading what="files" />
      ) : files.data.files.length === 0 ? (
        <p className="muted">No files yet. Files appear here as the agent takes them from the folder while a job watches it.</p>
      ) : (
        <>
          <table className="table" aria-label={`Files of ${source.name}`}>
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">Content hash</th>
                <th scope="col" className="num">
                  Size
                </th>
                <th scope="col">Seen</th>
                <th scope="col">Status</th>
                <th scope="col">Run</th>
              </tr>
            </thead>
            <tbody>
              {files.data.files.map((file) => (
                <tr key={file.key}>
                  <td title={file.path}>{file.name}</td>
                  <td>
                    <code title={`SHA-256 ${file.sha256}`}>{shortHash(file.sha256)}</code>
                  </td>
                  <td className="num">{formatBytes(file.size)}</td>
                  <td>{formatTime(file.seenAt)}</td>
                  <td>
                    <FileOutcome file={file} />
                    {file.duplicateOf && (
                      <div className="small muted" title={file.duplicateOf}>
                        same content as {baseName(file.duplicateOf)}; not synced again
                      </div>
                    )}
                  </td>
                  <td>{file.runId !== null ? <Link to={`/history/${file.runId}`}>Run #{file.runId}</Link> : <span className="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {files.data.total > files.data.files.length && (
            <p className="muted small">
              Showing the newest {files.data.files.length} of {files.data.total} files.
            </p>
          )}
        </>
      )}
    </Card>
  );
}

/**
 * What became of a file, in words a colleague who dropped it understands: a green "Processed" only
 * when its run sent or kept everything; otherwise what is left to do, or what it waits for.
 */
function FileOutcome({ file }: { file: SourceFile }) {
  const base = FILE_STATUS[file.status];
  let badge = base;
  let note: string | null = null;
  if (file.status === 'processed' && file.runStatus === 'succeeded_with_rejections') {
    const rejected = (file.runRejected ?? 0) - (file.runHeld ?? 0);
    badge = { label: 'Processed, with problems', tone: 'warn' };
    note = [rejected > 0 ? `${plural(rejected, 'value', 'values', formatNumber)} rejected` : null, file.runHeld ? `${plural(file.runHeld, 'row', 'rows', formatNumber)} held` : null, `${formatNumber(file.runSent ?? 0)} sent`].filter(Boolean).join(', ');
  } else if (file.status === 'processed' && file.runStatus === 'succeeded' && (file.runHeld ?? 0) > 0) {
    // Rows only waiting for their period to end: nothing is wrong, and the agent sends them itself.
    note = `${plural(file.runHeld!, 'row', 'rows', formatNumber)} held until ${file.runHeld === 1 ? 'its period is' : 'their periods are'} over, then sent`;
  } else if (file.status === 'pending' && file.runStatus === 'needs_attention') {
    badge = { label: 'Waiting for your decision', tone: 'warn' };
    note = 'nothing of it was sent; see its run';
  } else if (file.status === 'pending' && (file.runStatus === 'failed' || file.runStatus === 'interrupted')) {
    badge = { label: 'Waiting to be retried', tone: 'info' };
    note = 'its run stopped for a reason outside the file; tried again on its own';
  }
  return (
    <>
      <Badge tone={badge.tone}>{badge.label}</Badge>
      {note && <div className="small muted">{note}</div>}
    </>
  );
}
