import type { ItemResult, PlatformRecord, RowError, SubmissionOp } from '../../../shared/domain';
import { PlatformError } from '../platforms/errors';
import type { AdapterContext, PlatformAdapter } from '../platforms/types';
import type { LedgerEntry, OutboxBatch, Store } from '../store';

/** What the outbox stores per op: the op, plus what the ledger needs once the platform answers. */
export interface OutboxOp {
  op: SubmissionOp;
  hash: string | null;
  line: number | null;
  /** The source column the value came from, so a rejection names it (absent in batches written by older versions). */
  column?: string | null;
}

export interface BatchTally {
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  rejected: number;
  /**
   * Creates the platform refused because it holds the key already, from an earlier sync of this
   * agent (another mapping, or this one under an older natural key): the ledger now points at that
   * record, marked REPLACE_PENDING, and the run sends each as an update.
   */
  adopted: number;
  /**
   * Keys whose update the platform refused because the record was deleted there (or is unknown):
   * their ledger entries are dropped, so the value is created again (by this run, or the next).
   */
  gone: string[];
  errors: RowError[];
}

/** A ledger hash no content has: the entry's platform record is to be replaced by the staged value. */
export const REPLACE_PENDING = 'replace-pending';

/**
 * The JSON of an outbox op — what JSON.stringify(o) gives — with the record's staged canonical
 * JSON spliced in rather than serialised a second time (a third of the cost of writing a batch).
 */
export function outboxOpJson(o: OutboxOp, recordJson: string | null): string {
  const { op } = o;
  if (op.op === 'delete' || recordJson === null) return JSON.stringify(o);
  const head = op.op === 'update' ? `{"op":"update","key":${JSON.stringify(op.key)},"remoteId":${JSON.stringify(op.remoteId)}` : `{"op":"create","key":${JSON.stringify(op.key)}`;
  const column = o.column === undefined ? '' : `,"column":${JSON.stringify(o.column)}`;
  return `{"op":${head},"record":${recordJson}},"hash":${JSON.stringify(o.hash)},"line":${JSON.stringify(o.line)}${column}}`;
}

export const emptyTally = (): BatchTally => ({ created: 0, updated: 0, deleted: 0, unchanged: 0, rejected: 0, adopted: 0, gone: [], errors: [] });

/**
 * Sends one durable batch and applies the per-item results to the ledger in the same
 * transaction that marks the batch done. If the process dies after the platform answered but
 * before that commit, the batch is still pending and is resent with the same idempotency key,
 * which the platform answers from its replay store: the ledger ends the same either way.
 */
export async function sendOutboxBatch(
  store: Store,
  adapter: PlatformAdapter,
  batch: OutboxBatch,
  scope: { mappingId: string; connectionId: string; runId: number; now: () => string; replaceExisting?: boolean },
  ctx: AdapterContext,
): Promise<BatchTally> {
  if (!adapter.ingestRecords) throw new Error(`The ${adapter.kind} platform does not accept records; use a file upload job instead.`);
  const ops = batch.ops as OutboxOp[];
  let results: ItemResult[];
  try {
    results = await adapter.ingestRecords(
      ops.map((o) => o.op),
      batch.idempotencyKey,
      ctx,
    );
  } catch (err) {
    store.outbox.recordAttempt(batch.id, err instanceof Error ? err.message : String(err));
    throw err;
  }
  const byKey = new Map(results.map((r) => [r.key, r]));
  const tally = emptyTally();
  const at = scope.now();
  const accepted: LedgerEntry[] = [];
  const taken: { o: OutboxOp; remoteId: string; value: string }[] = [];
  /** Platform records this batch updated or deleted (see LedgerRepo.staleElsewhere). */
  const changedRecords: string[] = [];
  store.transaction(() => {
    for (const o of ops) {
      const key = o.op.key;
      const result = byKey.get(key);
      if (!result) {
        tally.rejected++;
        tally.errors.push({ line: o.line, column: o.column ?? null, value: null, reason: 'The platform gave no result for this value; it will be sent again on the next run.' });
        continue;
      }
      const record: PlatformRecord | null = o.op.op === 'delete' ? null : o.op.record;
      switch (result.status) {
        case 'created':
        case 'updated':
        case 'unchanged': {
          tally[result.status]++;
          const remoteId = result.remoteId ?? (o.op.op === 'update' ? o.op.remoteId : null);
          if (result.status === 'updated' && remoteId) changedRecords.push(remoteId);
          // A create answered 'unchanged': the platform held this very value, maybe sent under an
          // older natural key of this mapping, whose entry must not outlive it (a mirror pass
          // would delete the record as vanished).
          if (result.status === 'unchanged' && o.op.op === 'create' && remoteId) store.ledger.dropOtherKeysOf(scope.mappingId, remoteId, key);
          if (record && o.hash) {
            accepted.push({ mappingId: scope.mappingId, naturalKey: key, connectionId: scope.connectionId, remoteId, contentHash: o.hash, lastRunId: scope.runId, updatedAt: at });
          }
          break;
        }
        case 'deleted':
          tally.deleted++;
          if (o.op.op === 'delete') changedRecords.push(o.op.remoteId);
          store.ledger.delete(scope.mappingId, key);
          break;
        case 'rejected':
          if (o.op.op === 'update' && result.gone) {
            store.ledger.delete(scope.mappingId, key);
            tally.gone.push(key);
            break;
          }
          // A create refused with the id of the record the platform holds for the key: settled below.
          if (o.op.op === 'create' && result.remoteId && record && o.hash) {
            taken.push({ o, remoteId: result.remoteId, value: String(record.value) });
            break;
          }
          tally.rejected++;
          tally.errors.push({
            line: o.line,
            column: o.column ?? null,
            value: record ? String(record.value) : null,
            reason: `The platform rejected this value: ${result.reason ?? 'no reason given'}.`,
          });
          break;
      }
    }
    if (taken.length) {
      const ours = store.ledger.knownRemoteIds(
        scope.connectionId,
        taken.map((t) => t.remoteId),
      );
      for (const t of taken) {
        if (ours.has(t.remoteId) || scope.replaceExisting) {
          store.ledger.dropOtherKeysOf(scope.mappingId, t.remoteId, t.o.op.key);
          accepted.push({ mappingId: scope.mappingId, naturalKey: t.o.op.key, connectionId: scope.connectionId, remoteId: t.remoteId, contentHash: REPLACE_PENDING, lastRunId: scope.runId, updatedAt: at });
          tally.adopted++;
          continue;
        }
        tally.rejected++;
        tally.errors.push({
          line: t.o.line,
          column: t.o.column ?? null,
          value: t.value,
          reason: `The platform already holds a different value for this metric, site and period (id ${t.remoteId}), which this agent did not send (it was entered on the platform, sent by another tool, or by this agent from another data folder). It was left as it is. If this file's value should win, turn on “Replace values already on the platform” in the job (\`esg-sync job edit JOB --replace-existing\`), or change the value on the platform, then run the job again.`,
        });
      }
    }
    // A batch's keys are distinct (one run's diff, or its vanished keys), so applying its upserts
    // after its deletes ends the same as applying them one by one.
    store.ledger.upsertMany(accepted);
    store.ledger.staleElsewhere(scope.mappingId, changedRecords);
    store.outbox.recordAttempt(batch.id, null);
    store.outbox.markDone(batch.id, at);
  });
  return tally;
}

/**
 * Pauses between whole resends of a batch whose every HTTP attempt failed with a transient
 * error (5xx, 429, reset, timeout). The HTTP client's own retries cover a few seconds; these
 * ride out a platform that is down for about a minute without failing the run. The key stays
 * the same, so a batch the platform did apply is answered from its replay store.
 */
export const OUTBOX_RESEND_DELAYS_MS = [5_000, 15_000, 45_000];

export async function sendOutboxBatchPatiently(
  store: Store,
  adapter: PlatformAdapter,
  batch: OutboxBatch,
  scope: { mappingId: string; connectionId: string; runId: number; now: () => string; replaceExisting?: boolean },
  ctx: AdapterContext,
  opts: { delaysMs?: number[]; event?: (level: 'info' | 'warn' | 'error', message: string) => void } = {},
): Promise<BatchTally> {
  const delays = opts.delaysMs ?? OUTBOX_RESEND_DELAYS_MS;
  // Attempts keep counting across rounds (the HTTP client numbers them on from attemptOffset,
  // for every observer, the run's recorder included), so history reports a resend as the retry
  // it is.
  let highest = 0;
  const observe = (entry: Parameters<NonNullable<AdapterContext['onRequest']>>[0]) => {
    if (entry.kind !== 'token') highest = Math.max(highest, entry.attempt);
    ctx.onRequest?.(entry);
  };
  for (let round = 0; ; round++) {
    const counted: AdapterContext = { ...ctx, onRequest: observe, attemptOffset: highest };
    try {
      return await sendOutboxBatch(store, adapter, batch, scope, counted);
    } catch (err) {
      const transient = err instanceof PlatformError && err.retryable && !ctx.signal?.aborted;
      const delay = delays[round];
      if (!transient || delay === undefined) throw err;
      opts.event?.(
        'warn',
        `The platform did not take batch ${batch.idempotencyKey} (${err.message}). Sending it again in ${Math.round(delay / 1000)} s with the same idempotency key (${round + 1} of ${delays.length}).`,
      );
      await pause(delay, ctx.signal);
    }
  }
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason instanceof Error ? signal.reason : new Error('The run was stopped.'));
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason instanceof Error ? signal!.reason : new Error('The run was stopped.'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
