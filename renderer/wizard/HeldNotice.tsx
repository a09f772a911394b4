import { Link } from 'react-router-dom';
import type { RunSummary } from '../../shared/dto';
import { RetryOutcome, useRetryFile } from './DriftNotice';

/**
 * On a file run that held rows for site or metric codes not mapped yet: the way to map them
 * (the wizard opens on this run's file, so the new codes are listed) and then to send them. The
 * file is read again whole; the ledger keeps what was sent from being sent twice.
 */
type HeldWhy = { codes: number; periods: number; lastEnd: string | null };

export function HeldNotice({ run, mappingId, sentBy, why }: { run: RunSummary; mappingId: string | null; sentBy: number | null; why?: HeldWhy | null }) {
  const { retry, retryNow } = useRetryFile(run.id);
  const n = run.held;
  const onlyPeriods = why !== null && why !== undefined && why.codes === 0 && why.periods > 0;
  if (sentBy !== null && retry.runId === null) {
    return (
      <section className="banner banner-ok" aria-label="Held rows">
        {n === 1 ? 'The row' : `The ${n} rows`} this run held {n === 1 ? 'was' : 'were'} read again by <Link to={`/history/${sentBy}`}>run #{sentBy}</Link>
        {onlyPeriods ? ' once their period was over' : ' once the codes were mapped'}; its page says what was sent.
      </section>
    );
  }
  if (onlyPeriods) {
    return (
      <section className="banner banner-info" aria-label="Held rows">
        <p>
          {n === 1 ? '1 row is' : `${n.toLocaleString()} rows are`} for {n === 1 ? 'a period' : 'periods'} that had not ended when this run read the file
          {why.lastEnd ? ` (the last ends on ${why.lastEnd})` : ''}, so {n === 1 ? 'it was' : 'they were'} held. The agent sends {n === 1 ? 'it' : 'them'} on its own the day
          after; nothing else is needed. If a date is wrong, correct the file and drop it again.
        </p>
        <p className="form-actions">
          <button type="button" className="button" disabled={retry.busy} onClick={() => void retryNow()}>
            {retry.busy ? 'Sending…' : 'Send the held rows now'}
          </button>
        </p>
        <RetryOutcome retry={retry} />
      </section>
    );
  }
  const early = why && why.periods > 0 ? ` Of the held values, ${why.periods.toLocaleString()} ${why.periods === 1 ? 'is' : 'are'} for a period not over yet (the last ends on ${why.lastEnd ?? '?'}): the agent sends those on its own once it is.` : '';
  return (
    <section className="banner banner-warn" aria-label="Held rows">
      <p>
        {n === 1 ? '1 row was' : `${n.toLocaleString()} rows were`} held: {n === 1 ? 'its' : 'their'} site or metric code is not mapped to the platform yet, so{' '}
        {n === 1 ? 'it was' : 'they were'} not sent. Map the codes, then send them; values already sent are not sent twice.{early}
      </p>
      <p className="form-actions">
        {mappingId && (
          <Link className="button" to={`/mappings/${encodeURIComponent(mappingId)}/edit?run=${run.id}&step=sites`}>
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
