import { Link } from 'react-router-dom';
import type { RunSummary } from '../../shared/dto';
import { RetryOutcome, useRetryFile } from './DriftNotice';

/**
 * On a file run that held rows for site or metric codes not mapped yet: the way to map them
 * (the wizard opens on this run's file, so the new codes are listed) and then to send them. The
 * file is read again whole; the ledger keeps what was sent from being sent twice.
 */
export function HeldNotice({ run, mappingId, sentBy }: { run: RunSummary; mappingId: string | null; sentBy: number | null }) {
  const { retry, retryNow } = useRetryFile(run.id);
  const n = run.held;
  if (sentBy !== null && retry.runId === null) {
    return (
      <section className="banner banner-ok" aria-label="Held rows">
        {n === 1 ? 'The row' : `The ${n} rows`} this run held {n === 1 ? 'was' : 'were'} read again by <Link to={`/history/${sentBy}`}>run #{sentBy}</Link> once the codes were mapped; its page says what was sent.
      </section>
    );
  }
  return (
    <section className="banner banner-warn" aria-label="Held rows">
      <p>
        {n === 1 ? '1 row was' : `${n} rows were`} held: {n === 1 ? 'its' : 'their'} site or metric code is not mapped to the platform yet, so{' '}
        {n === 1 ? 'it was' : 'they were'} not sent. Map the codes, then send them; values already sent are not sent twice.
      </p>
      <p className="form-actions">
        {mappingId && (
          <Link className="button" to={`/mappings/${encodeURIComponent(mappingId)}/edit?run=${run.id}`}>
            Map the codes
          </Link>
        )}
        <button type="button" className="button primary" disabled={retry.busy} onClick={() => void retryNow()}>
          {retry.busy ? 'Sending…' : 'Send the held rows'}
        </button>
      </p>
      <RetryOutcome retry={retry} />
    </section>
  );
}
