/**
 * Ingest for file-upload platforms (Altruistiq): rows → mapping profile → validation → ledger
 * diff, exactly as for record platforms, but what changed is written to one CSV file in the
 * datasource's format and uploaded as a new dataset (multipart: start → parts → complete).
 *
 * What the published API allows, and so what this module does:
 * - A dataset is one uploaded file; the spec has no replace, delete, abort, list-uploads or
 *   upload-status call, and asks for "delta datasets". So only rows that are new or changed since
 *   the ledger's last accepted upload go into the file (an identical file uploads nothing), and
 *   rows that vanished from a mirror source cannot be deleted through the API (a warning says so).
 * - Nothing exists on the platform until "complete": a started upload that is never completed
 *   creates no dataset. The dataset id (the upload's fileId) is fixed when the upload starts.
 * - Resuming: before the first part is sent, the upload id and file id are recorded in a durable
 *   checkpoint (with the file already written to the data dir), and each acknowledged part's ETag
 *   after it. A restarted run finishes that upload first — the missing parts, then complete with
 *   the same ids — so a kill at any instant never yields a second dataset for the same rows. Only
 *   once the platform acknowledged "complete" does the ledger learn the rows (remote id = dataset id).
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { basename, extname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { z } from 'zod';
import { applyProfile, canonicalRecord, NumberFormatWatch, describeDrift, detectDrift, validateRecord, type Catalogue } from '../../../shared/mapping';
import { msg } from '../../../shared/mapping/messages';
import { emptyCounts, type PlatformRecord, type RowError, type RunCounts, type RunStatus } from '../../../shared/domain';
import type { JobConfig } from '../../../shared/jobs';
import { plural } from '../../../shared/plural';
import type { AltruistiqUploadSession } from '../platforms/altruistiq';
import { PlatformError } from '../platforms/errors';
import type { AdapterContext, PlatformAdapter } from '../platforms/types';
import type { Store } from '../store';
import type { IngestInput, IngestProgress, IngestResult } from './ingest';
import { LineMarks, rejectedText } from './line-marks';
import { SkippedRows } from './skipped-rows';
import { HeldRows } from './held-rows';
import { sha256 } from './record-hash';
import { settleAndReportDuplicates } from './duplicates';
import { Staging } from './staging';

/** The columns of the file uploaded to the datasource, in order. */
export const UPLOAD_COLUMNS = [
  'record_key',
  'facility_id',
  'facility_internal_id',
  'facility_name',
  'activity',
  'period_start',
  'period_end',
  'quantity',
  'unit',
  'comment',
  'evidence',
] as const;

/** What a platform must offer for a resumable upload (AltruistiqAdapter does). */
export interface ResumableUploader {
  readonly kind: PlatformAdapter['kind'];
  readonly partSize: number;
  startUpload(target: { datasourceId: string; fileName: string }, ctx?: AdapterContext): Promise<{ uploadId: string; fileId: string }>;
  uploadParts(session: AltruistiqUploadSession, file: { path: string; size: number }, ctx?: AdapterContext, onPart?: (p: { PartNumber: number; ETag: string }) => void): Promise<{ PartNumber: number; ETag: string }[]>;
  completeUpload(session: AltruistiqUploadSession, parts: { PartNumber: number; ETag: string }[], ctx?: AdapterContext): Promise<void>;
}

export function isResumableUploader(a: unknown): a is ResumableUploader {
  const o = a as Partial<ResumableUploader> | null;
  return !!o && typeof o.startUpload === 'function' && typeof o.uploadParts === 'function' && typeof o.completeUpload === 'function' && typeof o.partSize === 'number';
}

const Part = z.object({ PartNumber: z.number().int().positive(), ETag: z.string() });

/** The durable record of one upload in progress for a job (settings key `upload-ingest:<job>`). */
export const UploadCheckpoint = z.object({
  /** prepared: file written, no upload known · started: ids recorded, parts below acknowledged ·
   * completing: complete was sent, answer not seen · completed: acknowledged, ledger being applied. */
  state: z.enum(['prepared', 'started', 'completing', 'completed']),
  runId: z.number().int(),
  mappingId: z.string(),
  connectionId: z.string(),
  datasourceId: z.string(),
  fileName: z.string(),
  path: z.string(),
  keysPath: z.string(),
  size: z.number().int().nonnegative(),
  sha256: z.string(),
  rows: z.number().int().nonnegative(),
  created: z.number().int().nonnegative(),
  updated: z.number().int().nonnegative(),
  uploadId: z.string().nullable(),
  fileId: z.string().nullable(),
  partSize: z.number().int().positive().nullable(),
  parts: z.array(Part),
});
export type UploadCheckpoint = z.infer<typeof UploadCheckpoint>;

const checkpointKey = (jobId: string) => `upload-ingest:${jobId}`;

export function readCheckpoint(store: Store, jobId: string): UploadCheckpoint | null {
  const raw = store.settings.getRaw(checkpointKey(jobId));
  if (raw === undefined) return null;
  const parsed = UploadCheckpoint.safeParse(raw);
  if (!parsed.success) throw new Error(`The record of an unfinished upload for this job is unreadable (${parsed.error.issues[0]?.message ?? 'invalid'}). Nothing was uploaded by this run; remove the setting "${checkpointKey(jobId)}" only after checking the datasource in Altruistiq.`);
  return parsed.data;
}

function writeCheckpoint(store: Store, jobId: string, cp: UploadCheckpoint): void {
  store.settings.setRaw(checkpointKey(jobId), cp);
}

/** The per-row record the ledger is updated from once the platform accepted the file. */
const KeyLine = z.object({ key: z.string(), hash: z.string(), op: z.enum(['create', 'update']), line: z.number().int() });

export interface UploadIngestInput extends Omit<IngestInput, 'adapter'> {
  adapter: ResumableUploader;
  datasourceId: string;
  /** Where the transformed files are written while they are uploaded. */
  dataDir: string;
  /** The source file's name, for the uploaded file's name; null for database sources. */
  sourceName: string | null;
}

export interface UploadIngestResult extends IngestResult {
  /** The dataset this run created on the platform (null when nothing needed uploading). */
  datasetId: string | null;
  uploadedBytes: number;
}


/**
 * For job-runner: the ingest function to use with a file-upload adapter, or an error that says
 * what the job lacks.
 */
export function uploadIngestFor(
  adapter: PlatformAdapter,
  config: JobConfig,
  dataDir: string,
  sourceFile: string | null,
): (input: IngestInput) => Promise<UploadIngestResult> {
  if (!isResumableUploader(adapter)) {
    throw new Error(`The ${adapter.kind} platform takes neither records nor resumable file uploads; this job cannot send data to it.`);
  }
  const datasourceId = config.ingest?.datasourceId;
  if (!datasourceId) {
    throw new Error(
      `The ${adapter.kind} platform takes files uploaded to a datasource, and this job has no datasource id. Edit the job and enter the id of the Altruistiq datasource to upload to (shown in the datasource's page in the Altruistiq app).`,
    );
  }
  return (input) => runUploadIngest({ ...input, adapter, datasourceId, dataDir, sourceName: sourceFile ? basename(sourceFile) : null });
}

export async function runUploadIngest(input: UploadIngestInput): Promise<UploadIngestResult> {
  const counts: RunCounts = emptyCounts();
  const progress: IngestProgress = { read: 0, sent: 0, accepted: 0, rejected: 0, bytes: 0 };
  const report = () => {
    progress.read = counts.read;
    progress.rejected = counts.rejected;
    progress.bytes = input.bytesRead?.() ?? 0;
    input.progress({ ...progress });
  };
  const uploadDir = join(input.dataDir, 'uploads');
  await mkdir(uploadDir, { recursive: true });

  // 1. An upload a previous run left unfinished goes first, so the ledger is complete before this
  // run diffs against it (otherwise its rows would be uploaded a second time).
  const pending = readCheckpoint(input.store, input.jobId);
  let datasetId: string | null = null;
  let uploadedBytes = 0;
  /** A dataset a killed run asked to complete that the platform could not confirm. */
  let unconfirmed: string | null = null;
  if (pending) {
    if (pending.state === 'prepared' && pending.datasourceId !== input.datasourceId) {
      // Nothing was started on the platform yet, so the file goes where the job now points
      // (typically: the earlier datasource id was wrong and the job has been corrected).
      input.event('info', `The job now uploads to datasource ${input.datasourceId} instead of ${pending.datasourceId}; the waiting file goes there.`);
      pending.datasourceId = input.datasourceId;
    }
    input.event('info', `Finishing the upload of ${pending.fileName} (${plural(pending.rows, 'row')}) that run ${pending.runId} left unfinished at "${pending.state}".`);
    const done = await finishUpload(input, pending);
    counts.created += pending.created;
    counts.updated += pending.updated;
    progress.sent += pending.rows;
    progress.accepted += pending.rows;
    datasetId = done.fileId;
    uploadedBytes += done.bytes;
    unconfirmed = done.uncertain ? done.fileId : null;
  }
  await removeStrays(uploadDir, input.jobId);

  const drift = detectDrift(input.profile, input.headers);
  if (drift.missing.length || drift.renamed.length || drift.added.length) {
    const message = describeDrift(drift, input.headers);
    input.event('warn', message);
    return { status: 'needs_attention', counts, error: message, datasetId, uploadedBytes };
  }

  // 2. Read, map, validate, stage: the same functions as the record path. Altruistiq has no metric
  // library (a datasource's activities are its own), so only the "not in the metric library"
  // check is left out; sites must still be Altruistiq facilities and periods must be over.
  const staging = new Staging(input.store.db, input.runId);
  const validateOpts = { now: input.now() };
  const held = new HeldRows();
  const rejectedLines = new LineMarks();
  const numbers = new NumberFormatWatch(input.profile);
  const skipped = new SkippedRows(input.profile);
  let lastReport = Date.now();
  try {
    for await (const row of input.rows) {
      input.ctx.signal?.throwIfAborted();
      counts.read++;
      const applied = applyProfile(input.profile, row, input.catalogue);
      numbers.observe(row.line, applied);
      skipped.note(applied.skipped, row);
      const errors: RowError[] = [...applied.errors];
      for (const h of applied.held) {
        errors.push({ line: h.line, column: h.column, value: h.value, reason: h.reason, held: true });
      }
      for (const m of applied.records) {
        const noLibrary = msg.metricNotInPlatform(m.record.metricId);
        const problems = validateRecord(m, input.catalogue, validateOpts).filter((e) => !e.reason.endsWith(noLibrary));
        if (problems.length) {
          errors.push(...held.problems(m, problems));
          continue;
        }
        const recordJson = canonicalRecord(m.record);
        staging.add({ naturalKey: m.naturalKey, line: m.line, valueColumn: m.source.valueColumn, recordJson, hash: sha256(recordJson) });
      }
      const rowHeld = held.endRow(applied.held.length > 0);
      if (rowHeld) input.onHeld?.(row.line);
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
    for (const said of skipped.sentences()) input.event('info', said);
    report();
    const format = numbers.verdict();
    if (format?.kind === 'other-format') {
      input.event('warn', format.message);
      return { status: 'needs_attention', counts, error: format.message, datasetId, uploadedBytes };
    }
    if (format) input.event('warn', format.message);

    counts.rejected += settleAndReportDuplicates(staging, input.profile, input.catalogue, { key: 'activity, facility and period', sent: 'uploaded', rowName: input.rowName }, { event: input.event, rowErrors: input.rowErrors, rejectedLines });
    counts.held = held.rows;
    if (held.againstFile(counts.rejected) > 0 && input.options.rejectPolicy === 'all-or-nothing') {
      const message = `${rejectedText(held.againstFile(counts.rejected), rejectedLines.count)} and this job uploads nothing from a file with rejected rows. Fix the rows listed below (or change the job to send valid rows) and drop the file again.`;
      input.event('warn', message);
      return { status: 'failed', counts, error: message, datasetId, uploadedBytes };
    }
    for (const said of held.sentences(undefined, { sent: 'uploaded', codes: 'facility or activity codes' })) input.event('warn', said);
    // A run with no rows (a folder job run by hand) says nothing about what vanished.
    if (input.options.mirror && counts.read > 0) {
      const vanished = staging.countVanished(input.mappingId);
      if (vanished > 0) input.event('warn', `${plural(vanished, 'value')} uploaded earlier ${vanished === 1 ? 'is' : 'are'} no longer in the source. Altruistiq's API cannot delete values from a dataset, so they stay on the platform; remove them in the Altruistiq app if they are wrong.`);
    }

    // 3. Only what is new or changed goes into the file.
    const built = await buildFile(input, staging, uploadDir);
    counts.unchanged += built.unchanged;
    if (built.rows === 0) {
      input.event('info', counts.read === 0 ? 'No rows to upload.' : `Nothing new or changed since the last upload: ${plural(built.unchanged, 'value')} unchanged, no dataset created.`);
      report();
      return finish(counts, held, datasetId, uploadedBytes, unconfirmed);
    }
    if (built.updated > 0) {
      input.event('warn', `${plural(built.updated, 'value')} changed since ${built.updated === 1 ? 'it was' : 'they were'} uploaded. Altruistiq keeps each dataset as uploaded, so the earlier dataset${built.previous.size > 1 ? 's' : ''} (${[...built.previous].slice(0, 5).join(', ')}${built.previous.size > 5 ? ', …' : ''}) still hold the old values; archive or delete them in the Altruistiq app if the new file replaces them.`);
    }
    input.event('info', `Built ${built.fileName}: ${plural(built.rows, 'row')}, ${plural(built.size, 'byte')}, for datasource ${input.datasourceId}.`);
    const cp: UploadCheckpoint = {
      state: 'prepared',
      runId: input.runId,
      mappingId: input.mappingId,
      connectionId: input.connectionId,
      datasourceId: input.datasourceId,
      fileName: built.fileName,
      path: built.path,
      keysPath: built.keysPath,
      size: built.size,
      sha256: built.sha256,
      rows: built.rows,
      created: built.created,
      updated: built.updated,
      uploadId: null,
      fileId: null,
      partSize: null,
      parts: [],
    };
    writeCheckpoint(input.store, input.jobId, cp);
    progress.sent += built.rows;
    report();
    const done = await finishUpload(input, cp);
    counts.created += built.created;
    counts.updated += built.updated;
    progress.accepted += built.rows;
    report();
    return finish(counts, held, done.fileId, uploadedBytes + done.bytes, unconfirmed);
  } finally {
    staging.clear();
  }
}

function finish(counts: RunCounts, held: HeldRows, datasetId: string | null, uploadedBytes: number, unconfirmed: string | null): UploadIngestResult {
  const status: RunStatus = unconfirmed ? 'needs_attention' : held.againstFile(counts.rejected) > 0 ? 'succeeded_with_rejections' : 'succeeded';
  const error = unconfirmed ? `Altruistiq did not confirm that dataset ${unconfirmed} was completed; check it in the datasource in the Altruistiq app (see the run's events).` : null;
  return { status, counts, error, datasetId, uploadedBytes };
}

interface Built {
  path: string;
  keysPath: string;
  fileName: string;
  size: number;
  sha256: string;
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  /** Datasets holding earlier values of the changed rows. */
  previous: Set<string>;
}

/** Streams the ledger diff into the CSV (and the key list beside it), written under a temp name. */
async function buildFile(input: UploadIngestInput, staging: Staging, dir: string): Promise<Built> {
  const stem = `job-${safe(input.jobId)}-run-${input.runId}`;
  const path = join(dir, `${stem}.csv`);
  const keysPath = join(dir, `${stem}.keys.ndjson`);
  const base = input.sourceName ? basename(input.sourceName, extname(input.sourceName)) : 'esg-sync';
  const fileName = `${safe(base)}-run-${input.runId}.csv`;
  const entities = new Map(input.catalogue.entities.map((e) => [e.id, e]));
  const out: Built = { path, keysPath, fileName, size: 0, sha256: '', rows: 0, created: 0, updated: 0, unchanged: 0, previous: new Set() };

  const keys = createWriteStream(`${keysPath}.tmp`);
  const writeKey = async (line: string) => {
    if (!keys.write(line)) await once(keys, 'drain');
  };
  async function* csvRows(): AsyncGenerator<string[]> {
    for (const d of staging.diff(input.mappingId)) {
      input.ctx.signal?.throwIfAborted();
      if (d.record === null) {
        out.unchanged++;
        continue;
      }
      const op = d.ledgerHash !== null ? 'update' : 'create';
      // Held rows sent later: a row uploaded since with other values stays as it is.
      if (op === 'update' && input.options.newOnly) {
        out.unchanged++;
        continue;
      }
      if (op === 'update') {
        out.updated++;
        if (d.remoteId) out.previous.add(d.remoteId);
      } else out.created++;
      out.rows++;
      await writeKey(JSON.stringify({ key: d.naturalKey, hash: d.hash, op, line: d.line }) + '\n');
      yield toColumns(d.naturalKey, d.record, entities);
    }
  }
  const hash = createHash('sha256');
  const measure = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      out.size += chunk.length;
      cb(null, chunk);
    },
  });
  try {
    await pipeline(Readable.from(csvRows()), stringify({ header: true, columns: [...UPLOAD_COLUMNS], record_delimiter: '\r\n' }), measure, createWriteStream(`${path}.tmp`));
    keys.end();
    await once(keys, 'finish');
  } catch (err) {
    keys.destroy();
    await rm(`${path}.tmp`, { force: true });
    await rm(`${keysPath}.tmp`, { force: true });
    throw err;
  }
  out.sha256 = hash.digest('hex');
  if (out.rows === 0) {
    await rm(`${path}.tmp`, { force: true });
    await rm(`${keysPath}.tmp`, { force: true });
    return out;
  }
  await rename(`${keysPath}.tmp`, keysPath);
  await rename(`${path}.tmp`, path);
  return out;
}

function toColumns(key: string, r: PlatformRecord, entities: Map<string, Catalogue['entities'][number]>): string[] {
  const e = entities.get(r.entityId);
  return [key, r.entityId, e?.externalRef ?? '', e?.name ?? '', r.metricId, r.periodStart, r.periodEnd, String(r.value), r.unit, r.comment ?? '', r.evidence ?? ''];
}

function safe(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80) || 'file';
}

/**
 * Takes a checkpoint to "completed and in the ledger": starts the upload if no id was recorded,
 * sends the parts not yet acknowledged, completes, then applies the ledger and forgets the upload.
 * `uncertain` is true when the platform could not confirm a completion sent by a killed run.
 */
async function finishUpload(input: UploadIngestInput, start: UploadCheckpoint): Promise<{ fileId: string; bytes: number; uncertain: boolean }> {
  const { store, jobId, ctx, event } = input;
  let cp = { ...start };
  let bytes = 0;
  let uncertain = false;
  const info = await stat(cp.path).catch(() => null);
  if (cp.state !== 'completed' && (!info || info.size !== cp.size || (await fileSha256(cp.path)) !== cp.sha256)) {
    throw new Error(
      `The file prepared for upload (${cp.path}) is missing or changed since run ${cp.runId} built it, so that upload cannot be finished safely${cp.fileId ? ` (dataset ${cp.fileId} was started but never completed, so it is not on the platform)` : ''}. Delete the setting "${checkpointKey(jobId)}" to rebuild it from the source.`,
    );
  }
  if (cp.state === 'prepared') {
    const ids = await input.adapter.startUpload({ datasourceId: cp.datasourceId, fileName: cp.fileName }, ctx).catch((err: unknown) => {
      if (err instanceof PlatformError && err.code === 'not_found') {
        throw new PlatformError({
          code: 'not_found',
          retryable: false,
          message: `Altruistiq has no datasource "${cp.datasourceId}" that this service account can upload to (${err.message}). Check the datasource id in the job; the prepared file waits and is uploaded by the next run once it is corrected.`,
        });
      }
      throw err;
    });
    cp = { ...cp, state: 'started', uploadId: ids.uploadId, fileId: ids.fileId, partSize: input.adapter.partSize, parts: [] };
    writeCheckpoint(store, jobId, cp);
    event('info', `Started upload ${ids.uploadId} of ${cp.fileName} to datasource ${cp.datasourceId} (dataset ${ids.fileId}).`);
  }
  const session = (): AltruistiqUploadSession => ({ datasourceId: cp.datasourceId, fileName: cp.fileName, uploadId: cp.uploadId!, fileId: cp.fileId!, partSize: cp.partSize ?? input.adapter.partSize, parts: cp.parts });
  if (cp.state === 'started') {
    const total = Math.max(1, Math.ceil(cp.size / input.adapter.partSize));
    const already = cp.partSize === input.adapter.partSize ? cp.parts.length : 0;
    if (already > 0) event('info', `Upload ${cp.uploadId}: ${already} of ${plural(total, 'part')} ${already === 1 ? 'was' : 'were'} acknowledged before the restart; sending the rest.`);
    let parts: { PartNumber: number; ETag: string }[];
    try {
      parts = await input.adapter.uploadParts(session(), { path: cp.path, size: cp.size }, ctx, (p) => {
        // Recorded before the next part goes, so a restart does not send it again.
        cp = { ...cp, partSize: input.adapter.partSize, parts: [...cp.parts.filter((x) => x.PartNumber !== p.PartNumber), p] };
        writeCheckpoint(store, jobId, cp);
        bytes += Math.min(input.adapter.partSize, Math.max(0, cp.size - (p.PartNumber - 1) * input.adapter.partSize));
        event('info', `Uploaded part ${p.PartNumber} of ${total}.`);
      });
    } catch (err) {
      if (err instanceof PlatformError && err.code === 'not_found' && start.state === 'started') {
        // The platform forgot the upload (expired): nothing was completed, so starting over is safe.
        event('warn', `Altruistiq no longer knows upload ${cp.uploadId}; it was never completed, so no dataset exists. Starting the upload again.`);
        writeCheckpoint(store, jobId, { ...cp, state: 'prepared', uploadId: null, fileId: null, partSize: null, parts: [] });
        return finishUpload(input, { ...cp, state: 'prepared', uploadId: null, fileId: null, partSize: null, parts: [] });
      }
      throw err;
    }
    cp = { ...cp, state: 'completing', parts: [...parts].sort((a, b) => a.PartNumber - b.PartNumber) };
    writeCheckpoint(store, jobId, cp);
  }
  if (cp.state === 'completing') {
    const resent = start.state === 'completing';
    try {
      await input.adapter.completeUpload(session(), cp.parts, ctx);
    } catch (err) {
      if (!(resent && err instanceof PlatformError && err.code === 'not_found')) throw err;
      // Only a completion can end an upload; the killed run sent one, so this one most likely
      // landed. Uploading the rows again could duplicate them, so the run asks a person to look.
      uncertain = true;
      event('warn', `Altruistiq no longer knows upload ${cp.uploadId}, which a killed run had asked to complete. Dataset ${cp.fileId} was most likely created then: check datasource ${cp.datasourceId} in the Altruistiq app. If the dataset is missing, clear this job's ledger and run it again.`);
    }
    cp = { ...cp, state: 'completed' };
    writeCheckpoint(store, jobId, cp);
    event('info', `Completed upload ${cp.uploadId}: dataset ${cp.fileId} on datasource ${cp.datasourceId} (${plural(cp.parts.length, 'part')}, ${plural(cp.size, 'byte')}, ${plural(cp.rows, 'row')}).`);
  }
  await applyLedger(input, cp);
  store.settings.deleteRaw(checkpointKey(jobId));
  await rm(cp.path, { force: true });
  await rm(cp.keysPath, { force: true });
  return { fileId: cp.fileId!, bytes, uncertain };
}

/** Every row of the accepted file now lives in dataset fileId. Idempotent: re-applied after a kill. */
async function applyLedger(input: UploadIngestInput, cp: UploadCheckpoint): Promise<void> {
  const { store } = input;
  const at = input.now().toISOString();
  let batch: z.infer<typeof KeyLine>[] = [];
  const write = () => {
    const rows = batch;
    batch = [];
    store.db.transaction(() => {
      for (const k of rows) store.ledger.upsert({ mappingId: cp.mappingId, naturalKey: k.key, connectionId: cp.connectionId, remoteId: cp.fileId, contentHash: k.hash, lastRunId: input.runId, updatedAt: at });
    })();
  };
  const lines = createInterface({ input: createReadStream(cp.keysPath), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line) continue;
    batch.push(KeyLine.parse(JSON.parse(line)));
    if (batch.length >= 5000) write();
  }
  write();
}

async function fileSha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Files of this job's earlier runs that were never recorded in a checkpoint (killed mid-build). */
async function removeStrays(dir: string, jobId: string): Promise<void> {
  const prefix = `job-${safe(jobId)}-run-`;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name.startsWith(prefix)) await rm(join(dir, name), { force: true });
  }
}
