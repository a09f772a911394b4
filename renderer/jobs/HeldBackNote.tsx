import { Link } from 'react-router-dom';
import type { JobInfo } from '../../shared/dto';
import { heldBackWords } from '../../shared/held-back';
import { Badge } from '../components/ui';
import { formatTime } from '../format';

/**
 * Under a database job whose watermark is held back: why, and what (if anything) a person does.
 * Codes not mapped need someone; periods not over only need time, so they are said as information.
 */
export function HeldBackNote({ job }: { job: Pick<JobInfo, 'name' | 'mappingId' | 'heldBack'> }) {
  const h = job.heldBack;
  if (!h) return null;
  const w = heldBackWords(h, formatTime);
  const first = w.codes ?? w.periods;
  return (
    <div className={`job-held job-held-${w.tone}`} role="note" aria-label={`${job.name}: ${w.headline}`}>
      <p>
        <Badge tone={w.tone}>{h.codes ? 'Waiting for mapping' : 'Waiting for periods to end'}</Badge> <strong>{w.headline}:</strong> {first}
      </p>
      {w.codes && w.periods && <p>{w.periods}</p>}
      <p className="muted small">
        {w.rereads && <>{w.rereads} </>}
        <Link to={`/history/${h.runId}`}>{h.codes ? `See which codes in run #${h.runId}` : `See the held rows in run #${h.runId}`}</Link>
        {h.codes > 0 && job.mappingId && (
          <>
            {' · '}
            <Link to={`/mappings/${encodeURIComponent(job.mappingId)}/edit`}>Open the mapping</Link>
          </>
        )}
      </p>
    </div>
  );
}
