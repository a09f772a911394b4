import { applyProfile, canonicalRecord, NumberFormatWatch, describeDrift, detectDrift, driftStopsRun, validateRecord, type Catalogue, type MappedRecord, type MappingProfile } from '../../../shared/mapping';
import { emptyCounts, type RowError, type RunCounts, type RunStatus, type SourceRow, type SubmissionOp } from '../../../shared/domain';
import { plural } from '../../../shared/plural';
import type { AdapterContext, PlatformAdapter } from '../platforms/types';
import type { Store } from '../store';
import { emptyTally, outboxOpJson, REPLACE_PENDING, sendOutboxBatchPatiently, type BatchTally, type OutboxOp } from './outbox-sender';
import { BATCHES_IN_FLIGHT, BatchPipeline } from './batch-pipeline';
import { Staging } from './staging';
import { sha256 } from './record-hash';
import { settleAndReportDuplicates } from './duplicates';
import { LineMarks, rejectedText } from './line-marks';
import { SkippedRows } from './skipped-rows';
import { CatalogueMatches } from './catalogue-matches';
import { HeldRows } from './held-rows';

export interface IngestOptions {
  /** The source holds the full dataset: keys that vanished from it are deleted on the platform. */
  mirror: boolean;
  /** Share of the ledger a run may delete before it stops and asks (0–1). */
  maxDeleteShare: number;
  /** A person confirmed the deletes of this run. */
  confirmDeletes: boolean;
  /** Send the valid rows of a file with rejected rows, or nothing from it. */
  rejectPolicy: 'send-valid' | 'all-or-nothing';
  batchSize: number;
  /** Batches sent at once (default BATCHES_IN_FLIGHT); 1 sends them strictly one after another. */
  batchesInFlight?: number;
  /** Pauses before resending a batch the platform kept failing (default OUTBOX_RESEND_DELAYS_MS). */
  resendDelaysMs?: number[];
  /**
   * Only values never sent: an earlier file read again for its held rows. A value the ledger
   * holds (sent by this file, or changed since by a later one) is left as it is; nothing is deleted.
   */
  newOnly?: boolean;
  /**
   * Held rows sent later by a mapping that adds rows up: a held row is part of a total, so the whole
   * file is read and only the totals that include one of these lines are sent (updated where sent
   * before); other rows are read for their sums alone, say nothing, and nothing is deleted.
   */
  onlyTotalsOfLines?: ReadonlySet<number>;
  /** Values the platform holds that this agent did not send are replaced (IngestSettings.replaceExisting). */
  replaceExisting?: boolean;
}

export const defaultIngestOptions: IngestOptions = {
  mirror: false,
  maxDeleteShare: 0.5,
  confirmDeletes: false,
  rejectPolicy: 'send-valid',
  batchSize: 500,
};

export interface IngestProgress {
  read: number;
  sent: number;
  accepted: number;
  rejected: number;
  bytes: number;
  /** Values read and staged, known once the whole source has been read (null while reading). */
  staged?: number | null;
  /** Of those, values whose outcome is known: unchanged by the ledger, or answered by the platform. */
  settled?: number;
}

/**
 * How far a run is, 0–1: reading is the first half (by bytes, where the reader can tell), sending
 * the second (by values settled). Null while that cannot be told (a workbook or a database being read).
 */
export function progressShare(p: IngestProgress, totalBytes: number | null): number | null {
  if (p.staged === null || p.staged === undefined) return totalBytes && p.bytes > 0 ? Math.min(0.5, (p.bytes / totalBytes) * 0.5) : null;
  if (p.staged === 0) return 1;
  return 0.5 + 0.5 * Math.min(1, (p.settled ?? 0) / p.staged);
}

export interface IngestInput {
  store: Store;
  now: () => Date;
  jobId: string;
  runId: number;
  mappingId: string;
  connectionId: string;
  profile: MappingProfile;
  adapter: PlatformAdapter;
  catalogue: Catalogue;
  headers: string[];
  rows: AsyncIterable<SourceRow>;
  bytesRead?: () => number;
  options: IngestOptions;
  ctx: AdapterContext;
  event: (level: 'info' | 'warn' | 'error', message: string) => void;
  progress: (p: IngestProgress) => void;
  /** Row errors go to history as they are found, so memory stays flat with a million of them. */
  rowErrors: (errors: RowError[]) => void;
  /** Each batch's applied results as soon as it is marked done, so an interrupted run's counts say what reached the platform. */
  batchApplied?: (t: BatchTally) => void;
  /** Called while the row just read is handled, when it holds values not mapped yet (the row is not sent). */
  onHeld?: (line: number) => void;
  /** What the person does to have held values sent, added to the run's event about them. */
  heldAdvice?: string;
  /** A database row's key for its position in the read (row-keys.ts), for messages that name other rows. */
  rowName?: (line: number) => string;
  /** What the rows come from, in a person's words (drift messages): a file unless said. */
  sourceNoun?: 'file' | 'table' | 'query';
}

export interface IngestResult {
  status: RunStatus;
  counts: RunCounts;
  error: string | null;
}


/**
 * Resends batches a previous run wrote to the outbox but never saw answered. Runs first, so
 * the ledger is complete before this run diffs against it.
 */
export async function resendPending(
  input: Pick<IngestInput, 'store' | 'adapter' | 'jobId' | 'mappingId' | 'connectionId' | 'runId' | 'now' | 'ctx' | 'event' | 'batchApplied'> & { options?: Pick<IngestOptions, 'resendDelaysMs'> },
): Promise<BatchTally> {
  const total = emptyTally();
  const pending = input.store.outbox.pending(input.jobId);
  if (!pending.length) return total;
  input.event('info', `Resending ${pending.length} batch(es) left unanswered by an earlier run, with their original idempotency keys.`);
  for (const batch of pending) {
    const scope = { mappingId: input.mappingId, connectionId: input.connectionId, runId: input.runId, now: () => input.now().toISOString() };
    const t = await sendOutboxBatchPatiently(input.store, input.adapter, batch, scope, input.ctx, { delaysMs: input.options?.resendDelaysMs, event: input.event });
    input.batchApplied?.(t);
    addTally(total, t);
  }
  return total;
}

function addTally(into: BatchTally, t: BatchTally): void {
  into.created += t.created;
  into.updated += t.updated;
  into.deleted += t.deleted;
  into.unchanged += t.unchanged;
  into.rejected += t.rejected;
  into.adopted += t.adopted;
  into.gone.push(...t.gone);
  into.errors.push(...t.errors);
}

/**
 * The ingest pipeline of DESIGN.md: rows → mapping → validation → staging → ledger diff →
 * outbox → platform → ledger + history. Nothing is sent until the whole source has been read,
 * so a file that turns out to be broken at line 90,000 sends nothing.
 */
export async function runIngest(input: IngestInput): Promise<IngestResult> {
  const { store, options } = input;
  const counts: RunCounts = emptyCounts();
  const progress: IngestProgress = { read: 0, sent: 0, accepted: 0, rejected: 0, bytes: 0, staged: null, settled: 0 };
  const report = () => {
    progress.read = counts.read;
    progress.rejected = counts.rejected;
    progress.bytes = input.bytesRead?.() ?? 0;
    input.progress({ ...progress });
  };
  let adopted = 0;
  // Values deleted on the platform since they were sent: created again once the run's batches are in.
  const gone = new Set<string>();
  const applyTally = (t: BatchTally) => {
    for (const key of t.gone) gone.add(key);
    counts.created += t.created;
    counts.updated += t.updated;
    counts.deleted += t.deleted;
    counts.unchanged += t.unchanged;
    counts.rejected += t.rejected;
    adopted += t.adopted;
    progress.accepted += t.created + t.updated + t.deleted + t.unchanged;
    if (t.errors.length) input.rowErrors(t.errors);
  };

  applyTally(await resendPending(input));

  const drift = detectDrift(input.profile, input.headers);
  const noun = input.sourceNoun ?? 'file';
  if (driftStopsRun(input.profile, drift, noun)) {
    const message = describeDrift(drift, input.headers, input.sourceNoun);
    input.event('warn', message);
    return { status: 'needs_attention', counts, error: message };
  }
  if (drift.missing.length || drift.added.length) {
    const cols = (list: string[]) => list.map((c) => `'${c}'`).join(', ');
    const what = [drift.missing.length ? `no longer has ${cols(drift.missing)}` : null, drift.added.length ? `now also has ${cols(drift.added)}` : null].filter(Boolean).join(' and ');
    input.event('info', `The ${noun === 'query' ? "query's result" : 'table'} ${what}; the mapping does not read ${drift.missing.length + drift.added.length === 1 ? 'that column' : 'those columns'}, so its rows are read as before.`);
  }

  // 1. Read, map, validate, stage.
  const staging = new Staging(store.db, input.runId);
  let pipeline: BatchPipeline | undefined;
  const validateOpts = { now: input.now() };
  const held = new HeldRows();
  let blankValues = 0;
  const rejectedLines = new LineMarks();
  const numbers = new NumberFormatWatch(input.profile, input.sourceNoun);
  const skipped = new SkippedRows(input.profile);
  const catalogueMatches = new CatalogueMatches(input.profile);
  const totalKeys = options.onlyTotalsOfLines ? new Set<string>() : null;
  // Rows whose values could not be read (rejected, or held for a code not mapped yet): their keys
  // are unknown, so a mirror cannot tell their values from ones that are gone from the source.
  let unreadRows = 0;
  const stageRecord = (m: MappedRecord): void => {
    const recordJson = canonicalRecord(m.record);
    staging.add({ naturalKey: m.naturalKey, line: m.line, valueColumn: m.source.valueColumn, recordJson, hash: sha256(recordJson) });
  };
  let lastReport = Date.now();
  try {
    for await (const row of input.rows) {
      input.ctx.signal?.throwIfAborted();
      counts.read++;
      const applied = applyProfile(input.profile, row, input.catalogue);
      if (totalKeys && !options.onlyTotalsOfLines!.has(row.line)) {
        for (const m of applied.records) if (!validateRecord(m, input.catalogue, validateOpts).length) stageRecord(m);
        continue;
      }
      numbers.observe(row.line, applied);
      skipped.note(applied.skipped, row);
      catalogueMatches.note(applied.catalogueMatches, row.line);
      const errors: RowError[] = [...applied.errors];
      blankValues += applied.blankValues;
      for (const h of applied.held) {
        errors.push({ line: h.line, column: h.column, value: h.value, reason: h.reason, held: true });
      }
      for (const m of applied.records) {
        const problems = validateRecord(m, input.catalogue, validateOpts);
        if (problems.length) {
          errors.push(...held.problems(m, problems));
          continue;
        }
        stageRecord(m);
        totalKeys?.add(m.naturalKey);
      }
      const rowHeld = held.endRow(applied.held.length > 0);
      if (rowHeld) input.onHeld?.(row.line);
      if (applied.held.length > 0 || errors.some((e) => !e.held)) unreadRows++;
      if (errors.length) {
        counts.rejected += HeldRows.rejectedCount(errors, rowHeld);
        rejectedLines.mark(row.line);
        input.rowErrors(errors);
      }
      if (Date.now() - lastReport > 250) {
        lastReport = Date.now();
        report();
      }
    }
    staging.flush();
    // Said, so the counts add up for a person checking them against the file.
    for (const said of skipped.sentences()) input.event('info', said);
    for (const said of catalogueMatches.sentences()) input.event('info', said);
    if (blankValues > 0) input.event('info', `${plural(blankValues, 'value cell')} ${blankValues === 1 ? 'was' : 'were'} empty (or a placeholder such as 'n/a' or '-') and ${blankValues === 1 ? 'was' : 'were'} skipped, as the mapping says: neither sent nor rejected.`);
    if (totalKeys) staging.keepOnlyKeys(totalKeys);
    progress.staged = staging.count;
    report();
    const format = numbers.verdict();
    if (format?.kind === 'other-format') {
      input.event('warn', format.message);
      return { status: 'needs_attention', counts, error: format.message };
    }
    if (format) input.event('warn', format.message);

    // 2. Duplicate natural keys: added up where the mapping says so, otherwise every line of a duplicated key is reported and none is sent.
    const duplicates = settleAndReportDuplicates(staging, input.profile, input.catalogue, { key: 'metric, site and period', sent: 'sent', rowName: input.rowName }, { event: input.event, rowErrors: input.rowErrors, rejectedLines });
    counts.rejected += duplicates;
    unreadRows += duplicates;

    if (held.againstFile(counts.rejected) > 0 && options.rejectPolicy === 'all-or-nothing') {
      const message = `${rejectedText(held.againstFile(counts.rejected), rejectedLines.count)} and this job sends nothing from a file with rejected rows. Fix the rows listed below (or change the job to send valid rows) and drop the file again.`;
      input.event('warn', message);
      return { status: 'failed', counts, error: message };
    }
    counts.held = held.rows;
    for (const said of held.sentences(input.heldAdvice)) input.event('warn', said);

    // 3. Mirror deletes, with the safety limit. Right after the mapping's natural key changed, every
    // key the ledger holds looks vanished though its record is still in the file under a new key:
    // this run deletes nothing, and takes those records over as it sends (see REPLACE_PENDING).
    const keyFields = JSON.stringify(input.profile.naturalKey);
    const keyedBefore = store.settings.getRaw(`ledgerKey:${input.mappingId}`);
    const rekeyed = typeof keyedBefore === 'string' && keyedBefore !== keyFields;
    const mirrorable = options.mirror && !options.newOnly && !totalKeys && !rekeyed;
    const mirror = mirrorable && unreadRows === 0;
    if (options.mirror && rekeyed) input.event('info', "This mapping's natural key changed since its last run, so this run deletes nothing from the platform; the next run deletes what is no longer in the source.");
    if (mirrorable && !mirror) {
      // A typo in one cell must not delete the value that row has on the platform.
      const spared = staging.countVanished(input.mappingId);
      if (spared > 0) {
        input.event(
          'warn',
          `This job mirrors its source, but ${plural(unreadRows, 'row')} could not be read (rejected, or held for a code not mapped yet), so this run deletes nothing from the platform: of the ${plural(spared, 'value')} on the platform no longer found in the source, some may only look gone because their rows could not be read. Fix those rows; the next run that reads every row deletes what is really gone.`,
        );
      }
    }
    const ledgerSize = store.ledger.count(input.mappingId);
    const toDelete = mirror ? staging.countVanished(input.mappingId) : 0;
    if (toDelete > 0 && ledgerSize > 0 && toDelete / ledgerSize > options.maxDeleteShare && !options.confirmDeletes) {
      const message = `This run would delete ${toDelete} of the ${ledgerSize} values on the platform (more than ${Math.round(options.maxDeleteShare * 100)}%). Nothing was sent. If the source really lost those rows, run the job again and confirm the deletes.`;
      input.event('warn', message);
      return { status: 'needs_attention', counts, error: message };
    }

    // 4. Diff against the ledger and send in durable batches, a few at a time (see BatchPipeline).
    let ops: OutboxOp[] = [];
    let opsJson: string[] = [];
    const push = (o: OutboxOp, recordJson: string | null) => {
      ops.push(o);
      opsJson.push(outboxOpJson(o, recordJson));
    };
    let batchNo = 0;
    const storeId = store.settings.storeId();
    const scope = { mappingId: input.mappingId, connectionId: input.connectionId, runId: input.runId, now: () => input.now().toISOString(), replaceExisting: options.replaceExisting };
    pipeline = new BatchPipeline(options.batchesInFlight ?? BATCHES_IN_FLIGHT);
    const sending = pipeline;
    const flushBatch = async () => {
      if (!ops.length) return;
      // Written before it is sent: a crash from here on resends it with the same key.
      const batch = store.outbox.add({
        jobId: input.jobId,
        runId: input.runId,
        idempotencyKey: `${storeId}:${input.jobId}:${input.runId}:${++batchNo}`,
        ops,
        opsJson: `[${opsJson.join(',')}]`,
        createdAt: input.now().toISOString(),
      });
      progress.sent += ops.length;
      ops = [];
      opsJson = [];
      const size = batch.ops.length;
      await sending.add(async () => {
        const tally = await sendOutboxBatchPatiently(store, input.adapter, batch, scope, input.ctx, { delaysMs: options.resendDelaysMs, event: input.event });
        input.batchApplied?.(tally);
        applyTally(tally);
        progress.settled! += size;
        report();
      });
    };
    // Values the ledger already holds are counted in SQLite; only the others come out to be sent,
    // and the walk stops after the last of them. (Only another job on the same mapping, running
    // at the same time, can change the ledger ahead of the walk: a key it settled first is then
    // left to it, and ledger and platform still agree — last writer wins, as without the limit.)
    const { staged, unchanged } = staging.tally(input.mappingId);
    counts.unchanged += unchanged;
    progress.settled! += unchanged;
    report();
    const leftAsIs: RowError[] = [];
    for (const d of staging.diff(input.mappingId, { changedOnly: true, limit: staged - unchanged })) {
      if (d.record === null) throw new Error(`The ledger diff returned line ${d.line} as unchanged in a changed-only pass.`);
      if (options.newOnly && d.ledgerHash !== null) {
        leftAsIs.push({
          line: d.line,
          column: d.valueColumn,
          value: String(d.record.value),
          reason: 'Not sent: the platform already holds a value for this metric, site and period, sent from another row of this file or from a later file, and held rows sent later never replace a value. To replace it, correct the file and drop it again.',
        });
        continue;
      }
      const op: SubmissionOp = d.ledgerHash !== null && d.remoteId ? { op: 'update', key: d.naturalKey, remoteId: d.remoteId, record: d.record } : { op: 'create', key: d.naturalKey, record: d.record };
      push({ op, hash: d.hash, line: d.line, column: d.valueColumn }, d.recordJson);
      if (ops.length >= options.batchSize) await flushBatch();
    }
    if (leftAsIs.length) {
      counts.rejected += leftAsIs.length;
      input.rowErrors(leftAsIs);
    }
    if (mirror) {
      let deleting = 0;
      for (const v of staging.vanished(input.mappingId)) {
        if (!v.remoteId) {
          store.ledger.delete(input.mappingId, v.naturalKey);
          continue;
        }
        push({ op: { op: 'delete', key: v.naturalKey, remoteId: v.remoteId }, hash: null, line: null, column: null }, null);
        deleting++;
        if (ops.length >= options.batchSize) await flushBatch();
      }
      if (deleting > 0) input.event('info', `${plural(deleting, 'value')} on the platform ${deleting === 1 ? 'is' : 'are'} no longer in the source, and this job mirrors it: ${deleting === 1 ? 'it is' : 'they are'} deleted on the platform.`);
    }
    await flushBatch();
    await sending.drain();
    if (adopted > 0) {
      // Values this agent sent before under another mapping or natural key: the platform refused
      // to create them again, the ledger now points at its records, and they are updated.
      input.event('info', `${plural(adopted, 'value')} ${adopted === 1 ? 'was' : 'were'} on the platform already, sent by this agent before (under another mapping, or before this mapping's natural key changed); ${adopted === 1 ? 'it is' : 'they are'} updated now rather than created.`);
      for (const d of staging.diff(input.mappingId, { changedOnly: true })) {
        if (d.ledgerHash !== REPLACE_PENDING || !d.remoteId || d.record === null) continue;
        push({ op: { op: 'update', key: d.naturalKey, remoteId: d.remoteId, record: d.record }, hash: d.hash, line: d.line, column: d.valueColumn }, d.recordJson);
        if (ops.length >= options.batchSize) await flushBatch();
      }
      await flushBatch();
      await sending.drain();
    }
    if (gone.size > 0) {
      let again = 0;
      for (const d of staging.diff(input.mappingId, { changedOnly: true })) {
        if (!gone.has(d.naturalKey) || d.ledgerHash !== null || d.record === null) continue;
        push({ op: { op: 'create', key: d.naturalKey, record: d.record }, hash: d.hash, line: d.line, column: d.valueColumn }, d.recordJson);
        again++;
        if (ops.length >= options.batchSize) await flushBatch();
      }
      await flushBatch();
      await sending.drain();
      if (again > 0) input.event('info', `${plural(again, 'value')} had been deleted on the platform since this agent sent ${again === 1 ? 'it' : 'them'} (by a person or another tool there): ${again === 1 ? 'it is' : 'they are'} created again with the value in this source.`);
    }
    report();
    store.settings.setRaw(`ledgerKey:${input.mappingId}`, keyFields);
    const status: RunStatus = held.againstFile(counts.rejected) > 0 ? 'succeeded_with_rejections' : 'succeeded';
    return { status, counts, error: null };
  } catch (err) {
    // No batch may still be writing to the ledger once the run has ended.
    await pipeline?.settle();
    throw err;
  } finally {
    // Whatever the outcome, the staged rows served this run only: what still has to reach the
    // platform is in the outbox. (A killed process leaves them; SyncService.start prunes those.)
    staging.clear();
  }
}
