import { basename } from 'node:path';
import type { RunSummary } from '../../../shared/api';
import { CSV_STYLES, JobConfig, patternWithExt } from '../../../shared/jobs';
import { parseProfile, type Catalogue } from '../../../shared/mapping';
import { chooseRowKey, keyColumnText, naturalKeyColumns, type RowKeyColumns } from '../../../shared/mapping/row-key';
import { emptyCounts, type RowError, type RunTrigger, type SourceRow } from '../../../shared/domain';
import { plural } from '../../../shared/plural';
import { runStatusWords } from '../../../shared/run-status';
import type { ConnectionService } from '../connections';
import type { Engine } from '../engine';
import { createAdapter, type ClosableAdapter } from '../platforms/factory';
import { createRequestRecorder } from '../platforms/http/request-log';
import { PlatformError } from '../platforms/errors';
import type { AdapterContext } from '../platforms/types';
import { createDatabaseSource } from '../sources/database';
import { disposeFileIn } from '../sources/folder';
import { DatabaseSourceError, SourceFileError } from '../sources/errors';
import { openReader, openTakenFile } from '../sources/readers';
import { assertReadableDir } from '../sources/service';
import type { JobRecord, SourceRecord } from '../store';
import { describeStoreFault, storeFaultOf } from '../store-faults';
import { failureMayPass } from './failure-may-pass';
import { runExport, type ExportDestination } from './export';
import { pactExportRun } from './export/pact-export';
import { tableConnection, tablePasswordAccount } from './export/table-connection';
import { defaultIngestOptions, progressShare, runIngest, type IngestResult } from './ingest';
import { uploadIngestFor } from './upload-ingest';
import { RowKeys } from './row-keys';

export interface RunRequest {
  jobId: string;
  trigger: RunTrigger;
  /** For file-triggered runs: the file that arrived (already known to be fully written). */
  file?: { path: string; sha256: string; size: number };
  confirmDeletes?: boolean;
  /**
   * Read the file of this earlier run again to send the values it held, now that their codes are
   * mapped: only values never sent are sent, nothing is deleted, and the file stays where it is.
   */
  heldOf?: number;
  /** Other jobs whose mappings read this file too (a workbook's other sheets): the file stays for them. */
  keepFileFor?: string[];
  /** "Run now" found no file ready: these matching files were still being written. */
  stillWriting?: string[];
  /** Why this run was started, said right after it starts (an automatic retry). */
  startNote?: string;
  signal?: AbortSignal;
}

/** Thrown for problems with the job's own set-up, before any run row exists. */
export class JobSetupError extends Error {}

/** A run the agent's own stop cut short (as a killed agent's runs are marked at the next start). */
export const STOPPED_MID_RUN = 'The agent was stopped while this run was in progress; unfinished batches are resent on the next run.';

/**
 * Runs one job once and records everything in history: the run row, its events, its row
 * errors, the requests and retries it took, and what happened to its file.
 */
export class JobRunner {
  /** Runs whose failure may pass on its own (failureMayPass), until the scheduler's retry logic asks. */
  private readonly passingFailures = new Set<number>();

  constructor(
    private readonly engine: Engine,
    private readonly connections: ConnectionService,
  ) {}

  /** Whether the run failed for a reason that may pass on its own; asked once per run. */
  takePassingFailure(runId: number): boolean {
    return this.passingFailures.delete(runId);
  }

  async run(req: RunRequest): Promise<RunSummary> {
    const { store } = this.engine;
    const job = store.jobs.get(req.jobId);
    if (!job) throw new JobSetupError(`There is no job "${req.jobId}".`);
    const now = () => this.engine.clock.now();
    const run = store.runs.create({ jobId: job.id, jobName: job.name, trigger: req.trigger, startedAt: now().toISOString(), file: req.file?.path ?? null, fileSha256: req.file?.sha256 ?? null, watermarkFrom: job.cursor });
    this.engine.events.emit('run.started', run);
    const event = (level: 'info' | 'warn' | 'error', message: string) => store.runs.addEvent(run.id, now().toISOString(), level, message);
    // Given to the adapter's HTTP client, so token calls are counted and listed as well.
    const requestLog = createRequestRecorder({
      sink: (e) => store.runs.addRequest(run.id, e),
      onCapReached: (max) => event('warn', `This run made more than ${max} platform requests; history lists the first ${max} (the totals stay exact).`),
    });
    const ctx: AdapterContext = { signal: req.signal };
    const started = Date.now();
    let adapter: ClosableAdapter | null = null;
    let result: IngestResult & { bytes?: number; watermarkTo?: string | null; serviceAccount?: string | null } = {
      status: 'failed',
      counts: emptyCounts(),
      error: null,
    };
    const errorsForFile: RowError[] = [];
    // What reached the platform so far, saved on the run as each batch is done: a run killed or
    // failing midway still shows the values it created, updated or deleted.
    const applied = { read: 0, created: 0, updated: 0, deleted: 0, rejected: 0 };
    const batchApplied = (t: { created: number; updated: number; deleted: number; rejected: number }) => {
      applied.created += t.created;
      applied.updated += t.updated;
      applied.deleted += t.deleted;
      applied.rejected += t.rejected;
      try {
        store.runs.update(run.id, applied);
      } catch (err) {
        this.engine.logger.warn({ err: err instanceof Error ? err.message : String(err), runId: run.id }, 'could not save the run counts so far');
      }
    };
    // Only a problem with the file itself sends it to failed/; after a platform, store or set-up
    // failure it stays where it is, to be retried once that is fixed.
    let fileAtFault = true;
    // Kept for a run that fails later: its page names the account it ran as, as its timeline does.
    let signedInAs: string | null = null;
    try {
      const config = JobConfig.parse(job.config);
      const connection = await this.connections.config(job.connectionId);
      adapter = createAdapter(connection, { logger: this.engine.logger, platform: connection.options, http: { onRequest: requestLog.observe } });
      event('info', `Run started (${req.trigger}) as service account ${connection.clientId}.`);
      if (req.startNote) event('info', req.startNote);
      signedInAs = connection.clientId;
      if (job.type === 'export') {
        result = await this.runExport(job, run.id, config, adapter, ctx, event, (p) => {
          // The size of an export is not known up front: rows and bytes so far, no ETA.
          const seconds = Math.max(0.001, (Date.now() - started) / 1000);
          this.engine.events.emit('run.progress', { runId: run.id, jobId: job.id, read: p.rows, sent: 0, accepted: p.rows, rejected: 0, bytes: p.bytes, totalBytes: null, rowsPerSecond: Math.round(p.rows / seconds), etaSeconds: null });
        });
      } else {
        result = await this.runIngestJob(job, config, adapter, ctx, req, run.id, event, (errors) => {
          store.runs.addErrors(run.id, errors);
          if (errorsForFile.length < 100_000) errorsForFile.push(...errors.slice(0, 100_000 - errorsForFile.length));
        }, (p, totalBytes) => {
          applied.read = p.read;
          const seconds = Math.max(0.001, (Date.now() - started) / 1000);
          const rate = p.read / seconds;
          const share = progressShare(p, totalBytes);
          this.engine.events.emit('run.progress', {
            runId: run.id,
            jobId: job.id,
            read: p.read,
            sent: p.sent,
            accepted: p.accepted,
            rejected: p.rejected,
            bytes: p.bytes,
            totalBytes,
            share,
            rowsPerSecond: Math.round(rate),
            etaSeconds: share !== null && share > 0.02 ? Math.max(0, Math.round(((1 - share) / share) * seconds)) : null,
          });
        }, batchApplied);
      }
      result.serviceAccount = connection.clientId;
      this.connections.noteSignIn(job.connectionId, { ok: true });
    } catch (err) {
      // Stopped on purpose (the agent shutting down): said as such, not as the request it cut off.
      const message = req.signal?.aborted ? STOPPED_MID_RUN : describeFailure(err, this.engine.dataDir);
      // A file cut off mid-copy, or swapped while it was taken, is not at fault: it stays, and is
      // read again once it is whole (nothing of what took its place was read).
      fileAtFault = err instanceof SourceFileError && err.code !== 'FILE_INCOMPLETE' && err.code !== 'FILE_REPLACED';
      if (!req.signal?.aborted && failureMayPass(err)) this.passingFailures.add(run.id);
      if (err instanceof PlatformError && (err.code === 'invalid_client' || err.code === 'unauthorized')) this.connections.noteSignIn(job.connectionId, { ok: false, message: err.message });
      // The database itself failed (unreachable, password, table gone): its source says so too,
      // on the Sources page and the dashboard, until a run or a test reads it again.
      if (err instanceof DatabaseSourceError && job.type === 'ingest' && job.sourceId) this.noteSourceStatus(job.sourceId, 'error', message);
      event('error', message);
      // The counts of batches already done stay: they reached the platform.
      result = { ...result, counts: { ...result.counts, ...applied }, status: req.signal?.aborted ? 'interrupted' : 'failed', error: message };
      this.engine.logger.warn({ err: err instanceof Error ? err.message : String(err), jobId: job.id, runId: run.id }, 'run failed');
    } finally {
      await adapter?.close().catch(() => undefined);
    }

    // A failed run disposes of the file as always (a bad file goes to failed/; one kept for a retry stays).
    if (req.file && req.keepFileFor?.length && result.status !== 'failed') {
      const others = req.keepFileFor.map((id) => `"${store.jobs.get(id)?.name ?? id}"`).join(', ');
      event('info', `The file stays in the folder for ${others}, whose mapping reads it too; it is moved after that.`);
    } else if (req.file) await this.disposeFile(job, req.file, result, run.id, errorsForFile, event, fileAtFault, req.heldOf !== undefined);
    const finished = store.runs.update(run.id, {
      ...result.counts,
      status: result.status,
      error: result.error,
      finishedAt: now().toISOString(),
      requests: requestLog.requests,
      retries: requestLog.retries,
      bytes: result.bytes ?? req.file?.size ?? 0,
      serviceAccount: result.serviceAccount ?? signedInAs,
      watermarkTo: result.watermarkTo ?? null,
    });
    event(result.status === 'failed' ? 'error' : 'info', `Run finished: ${runStatusWords(finished)}.`);
    if (job.type === 'ingest' && job.sourceId && result.status !== 'failed' && result.status !== 'interrupted' && store.sources.get(job.sourceId)?.status === 'error') {
      this.noteSourceStatus(job.sourceId, 'idle', null);
    }
    // Only a run that succeeded saved its watermark; noted before run.finished, which the jobs list reloads on.
    if (job.type === 'ingest' && (finished.status === 'succeeded' || finished.status === 'succeeded_with_rejections') && job.sourceId && store.sources.get(job.sourceId)?.kind === 'database') {
      try {
        store.heldBack.noteRun(job.id, finished);
      } catch (err) {
        this.engine.logger.warn({ err: err instanceof Error ? err.message : String(err), runId: run.id }, 'could not note the rows holding the watermark back');
      }
    }
    this.engine.events.emit('run.finished', finished);
    return finished;
  }

  /** Only for database sources: a folder's status belongs to its watcher. */
  private noteSourceStatus(sourceId: string, status: 'error' | 'idle', message: string | null): void {
    try {
      if (this.engine.store.sources.get(sourceId)?.kind === 'database') this.engine.store.sources.setStatus(sourceId, status, message);
    } catch (err) {
      this.engine.logger.warn({ err: err instanceof Error ? err.message : String(err), sourceId }, 'could not record the database source status');
    }
  }

  private async runIngestJob(
    job: JobRecord,
    config: JobConfig,
    adapter: ClosableAdapter,
    ctx: AdapterContext,
    req: RunRequest,
    runId: number,
    event: (level: 'info' | 'warn' | 'error', message: string) => void,
    rowErrors: (errors: RowError[]) => void,
    progress: (p: { read: number; sent: number; accepted: number; rejected: number; bytes: number }, totalBytes: number | null) => void,
    batchApplied: (t: { created: number; updated: number; deleted: number; rejected: number }) => void,
  ): Promise<IngestResult & { bytes?: number; watermarkTo?: string | null }> {
    const { store } = this.engine;
    if (!job.mappingId || !job.sourceId) throw new JobSetupError(`The job "${job.name}" has no source or mapping; edit the job to choose them.`);
    const mapping = store.mappings.get(job.mappingId);
    if (!mapping) throw new JobSetupError(`The mapping of job "${job.name}" no longer exists; edit the job to choose one.`);
    const source = store.sources.get(job.sourceId);
    if (!source) throw new JobSetupError(`The source of job "${job.name}" no longer exists.`);
    const profile = parseProfile(mapping.profile);
    store.runs.update(runId, { mappingId: mapping.id, mappingVersion: mapping.version });
    // File-upload platforms (Altruistiq) take the same rows as one uploaded dataset instead of records.
    const ingest = adapter.ingestRecords ? runIngest : uploadIngestFor(adapter, config, this.engine.dataDir, req.file?.path ?? null);
    const catalogue: Catalogue = { metrics: await adapter.listMetrics(ctx), entities: await adapter.listEntities(ctx) };
    // Held rows sent later: those lines only (runs from before lines were marked: all of them). A
    // mapping that adds rows up reads the whole file, as a held row is part of a total.
    const heldLines = req.heldOf ? new Set(store.runs.heldLines(req.heldOf)) : null;
    const totals = heldLines?.size && profile.sameKeyRows === 'add' ? heldLines : null;
    const settings = {
      ...defaultIngestOptions,
      ...(config.ingest ?? {}),
      confirmDeletes: req.confirmDeletes ?? false,
      ...(totals ? { onlyTotalsOfLines: totals } : req.heldOf ? { newOnly: true } : {}),
    };
    if (totals) event('info', `Sending the held rows of run #${req.heldOf}: this mapping adds rows up, so its file is read again whole with the mapping as it is now, and the totals that include a held row are sent (updated where sent before; nothing is deleted).`);
    else if (req.heldOf) event('info', `Sending the held rows of run #${req.heldOf}: those lines of its file are read again with the mapping as it is now, and only values never sent are sent (nothing is updated or deleted).`);
    const base = {
      store,
      now: () => this.engine.clock.now(),
      jobId: job.id,
      runId,
      mappingId: mapping.id,
      connectionId: job.connectionId,
      profile,
      adapter,
      catalogue,
      options: settings,
      ctx,
      event,
      rowErrors,
      batchApplied,
    };

    if (source.kind === 'folder') {
      if (!req.file) {
        // A folder that is gone (an unmounted share) is a failed run, not an empty folder that "succeeds".
        if (req.trigger === 'schedule' || req.trigger === 'catch-up' || req.trigger === 'manual') {
          await assertReadableDir(String(source.config.path)).catch((err: unknown) => {
            throw new JobSetupError(`Nothing was read from "${source.name}": ${(err as Error).message} The next run tries again.`);
          });
        }
        const writing = req.stillWriting ?? [];
        const stableS = (typeof source.config.stableMs === 'number' ? source.config.stableMs : 2000) / 1000;
        event(
          writing.length ? 'warn' : 'info',
          writing.length
            ? `No file was ready in the folder: ${writing.slice(0, 3).map((f) => `'${f}'`).join(', ')}${writing.length > 3 ? ` and ${writing.length - 3} more` : ''} ${writing.length === 1 ? 'is' : 'are'} still being written (changed less than ${stableS} s ago). A file is taken once unchanged for ${stableS} s: by a running agent on its own, otherwise with Run now again then. This run only resends batches still waiting for the platform's answer.`
            : req.trigger === 'manual' || req.trigger === 'schedule' || req.trigger === 'catch-up'
              ? 'No file was waiting in the folder, so this run only resends batches still waiting for the platform\'s answer.'
              : 'This run only resends batches still waiting for the platform\'s answer; files are taken as they arrive, or with Run now.',
        );
        // No file was read, so no row "vanished": a mirror job must not delete anything here.
        const r = await ingest({ ...base, options: { ...base.options, mirror: false }, headers: profile.headerFingerprint?.headers ?? [], rows: emptyRows(), progress: (p) => progress(p, null) });
        return r;
      }
      // The header row and sheet chosen in the mapping wizard win over the source's defaults.
      const sourceOpts = { ...readerOptions(source), ...(profile.read ?? {}) };
      // Opened once, without following a link, and proved to be the content that was taken:
      // the readers read this descriptor, so a file swapped in at the path is never read.
      const taken = await openTakenFile(req.file.path, req.file);
      const reader = await openReader(taken, sourceOpts).catch(async (err: unknown) => {
        await taken.close();
        throw err;
      });
      try {
        const totalBytes = taken.size;
        event('info', `Reading ${basename(req.file.path)} (${reader.info.format}${reader.info.sheet ? `, sheet '${reader.info.sheet}'` : ''}${reader.info.encoding ? `, ${reader.info.encoding}` : ''}${reader.info.delimiter ? `, delimiter '${reader.info.delimiter === '\t' ? 'tab' : reader.info.delimiter}'` : ''}).`);
        // A workbook's other sheets are not read: said, so values on them are not thought sent.
        const readElsewhere = new Set(
          store.jobs
            .list()
            .filter((j) => j.id !== job.id && j.type === 'ingest' && j.sourceId === job.sourceId && j.mappingId)
            .map((j) => (store.mappings.get(j.mappingId!)?.profile as { read?: { sheet?: unknown } } | undefined)?.read?.sheet)
            .filter((sheet): sheet is string => typeof sheet === 'string')
            .map((sheet) => sheet.toLowerCase()),
        );
        const others = (reader.info.sheets ?? []).filter((name) => name !== reader.info.sheet && !readElsewhere.has(name.toLowerCase()));
        if (others.length) {
          const listed = others.slice(0, 5).map((name) => `'${name}'`).join(', ');
          event('info', `The workbook has ${others.length === 1 ? 'another sheet' : `${others.length} other sheets`} (${listed}${others.length > 5 ? ', …' : ''}), which this mapping does not read: it reads '${reader.info.sheet}' only. For another sheet, make a mapping for it (the wizard's “Structure” step chooses the sheet).`);
        }
        for (const w of reader.info.warnings.slice(0, 10)) event('warn', w);
        const rows = heldLines?.size && !totals ? onlyLines(reader.rows(), heldLines) : reader.rows();
        const r = await ingest({
          ...base,
          headers: reader.info.headers,
          rows,
          // Formats read front to back report their position; a workbook is read whole (no position).
          bytesRead: reader.bytesRead ? () => Math.min(totalBytes, reader.bytesRead!()) : undefined,
          progress: (p) => progress(p, totalBytes),
          heldAdvice: `Map the codes in the mapping, then choose “Send the held rows” on this run's page (\`esg-sync history retry ${runId}\`): only values never sent are sent then.`,
        });
        // Succeeded, with nothing in it: said, so a person does not take "succeeded" for "sent".
        if (r.counts.read === 0 && !req.heldOf && r.status === 'succeeded') event('warn', `${basename(req.file.path)} has its header row but no data rows, so nothing was sent. If rows were expected, check the export that wrote it.`);
        return { ...r, bytes: totalBytes };
      } finally {
        await reader.close();
        await taken.close();
      }
    }

    // Database source: rows from the saved watermark on (inclusive, see buildRead: rows sharing the
    // last value are read again and found unchanged); it advances after the run is recorded.
    const password = typeof source.config.passwordRef === 'string' ? await this.engine.secrets().get(source.config.passwordRef) : null;
    const db = createDatabaseSource({ ...source.config, password: password ?? undefined });
    let rowKeys: RowKeys | null = null;
    try {
      let watermark: string | null = job.cursor;
      // A row with a site or metric not mapped yet is not sent; the watermark stays at the first
      // such row, so every run reads it again until the value is mapped, then sends it. (Rows are
      // read in watermark order and handled one at a time, so `watermark` is the held row's.)
      let heldFrom: string | null = null;
      // A total needs every one of its rows, and a mirror must see every row it keeps (what it did
      // not read it deletes): both read the whole table, not only the rows after the watermark.
      const whole = profile.sameKeyRows === 'add' ? 'adds rows of one metric, site and period up' : settings.mirror ? 'mirrors the table (values no longer in it are deleted)' : null;
      const from = whole ? null : job.cursor;
      if (whole && job.cursor !== null) event('info', `This job ${whole}, so every run reads the whole table (rows before the watermark too); values that did not change are not sent again.`);
      const headers = (await db.preview(1)).columns;
      // A table has no stable row order: its row errors name a row by its key, not its position.
      const noun = source.config.query ? 'query' : 'table';
      const rowKey = chooseRowKey({
        unique: await db.keyColumns().catch((err: unknown) => {
          this.engine.logger.warn({ err: err instanceof Error ? err.message : String(err), sourceId: source.id }, 'could not read the key of the source table');
          return null;
        }),
        naturalKey: naturalKeyColumns(profile),
        watermark: typeof source.config.watermarkColumn === 'string' ? source.config.watermarkColumn : null,
        columns: headers,
      });
      const keys = (rowKeys = new RowKeys(store.db, runId, rowKey, noun));
      const rows = (async function* () {
        for await (const row of db.read({ afterWatermark: from })) {
          if (row.watermark !== null) watermark = row.watermark;
          keys.read(row.line, row.cells);
          yield row as SourceRow;
        }
      })();
      const onHeld = () => {
        if (heldFrom === null) heldFrom = watermark;
      };
      const r = await ingest({ ...base, rowErrors: (errors) => rowErrors(keys.name(errors)), rowName: (line) => keys.keyOf(line), headers, rows, onHeld, sourceNoun: noun, progress: (p) => progress(p, null) });
      if (keys.named > 0) event('info', rowKeyWords(rowKey, noun));
      // The Sources page shows the source's size; counted here, once per run, not per list call.
      if (r.status !== 'failed') {
        try {
          store.sources.setRowCount(source.id, await db.count(), this.engine.clock.now().toISOString());
        } catch (err) {
          event('warn', `The rows of the source could not be counted after reading: ${(err as Error).message}`);
        }
      }
      if (heldFrom !== null) {
        watermark = heldFrom;
        event('info', `Held rows (codes not mapped yet, or periods not over yet) are read again on the next run, from watermark ${heldFrom}, and sent once mapped or over.`);
      }
      if (r.status === 'succeeded' || r.status === 'succeeded_with_rejections') {
        if (watermark !== job.cursor) {
          store.jobs.setCursor(job.id, watermark);
          event('info', `Watermark advanced to ${watermark}.`);
        }
      }
      return { ...r, watermarkTo: watermark };
    } finally {
      rowKeys?.drop();
      await db.close();
    }
  }

  /** Platform dataset → folder or table, incremental by the job's updated-since cursor. */
  private async runExport(
    job: JobRecord,
    runId: number,
    config: JobConfig,
    adapter: ClosableAdapter,
    ctx: AdapterContext,
    event: (level: 'info' | 'warn' | 'error', message: string) => void,
    progress?: (p: { rows: number; bytes: number }) => void,
  ): Promise<IngestResult & { bytes?: number; watermarkTo?: string | null }> {
    const settings = config.export;
    if (!settings) throw new JobSetupError(`The export job "${job.name}" has no dataset or destination; edit the job.`);
    const d = settings.destination;
    let destination: ExportDestination;
    if (d.kind === 'folder') {
      // {date} and {time} are the job's own: its schedule's time zone, not the server's.
      destination = { kind: 'folder', folder: d.path, format: d.format, fileNamePattern: patternWithExt(d.fileName, d.format), timeZone: config.timezone };
    } else {
      const password = d.database === 'sqlite' ? undefined : ((await this.engine.secrets().get(tablePasswordAccount(job.id))) ?? undefined);
      destination = { kind: 'table', table: d.table, keyColumns: d.keyColumns, connection: tableConnection(d, password) };
    }
    const everything = settings.contents === 'everything';
    const since = everything ? null : job.cursor;
    const { store } = this.engine;
    const pact = adapter.kind === 'pact' ? pactExportRun({ store, adapter: adapter as Parameters<typeof pactExportRun>[0]['adapter'], jobId: job.id, runId, dataset: settings.dataset, since, event }) : null;
    if (!pact?.announced) event('info', `Exporting ${settings.dataset}${since ? ` rows new, changed or deleted after ${since}` : ' (every row)'}${everything && d.kind === 'folder' ? '; a file of the same name is replaced' : ''}.`);
    let result: Awaited<ReturnType<typeof runExport>>;
    try {
      result = await runExport({
        adapter: pact?.adapter ?? adapter,
        dataset: settings.dataset,
        updatedSince: since,
        destination,
        writerOptions: { nested: settings.nested, replaceExisting: everything, ...(d.kind === 'folder' && d.format === 'csv' && d.csvStyle ? { delimiter: CSV_STYLES[d.csvStyle].delimiter, decimal: CSV_STYLES[d.csvStyle].decimal } : {}) },
        job: job.name,
        now: this.engine.clock.now(),
        signal: ctx.signal,
        onRequest: ctx.onRequest,
        onProgress: progress,
        logger: this.engine.logger,
      });
    } catch (err) {
      try {
        pact?.failed();
      } catch (e) {
        this.engine.logger.warn({ err: e instanceof Error ? e.message : String(e), jobId: job.id }, 'could not record the footprints of a failed export');
      }
      throw err;
    }
    const memory = pact?.succeeded();
    event('info', result.summary);
    // The cursor (and what the job exported) move only now that every row is safely written.
    store.transaction(() => {
      if (result.newCursor !== job.cursor) store.jobs.setCursor(job.id, result.newCursor);
      memory?.save(this.engine.clock.now().toISOString());
    });
    return {
      // Footprints left out for failing validation are rejected; those written with their
      // _validationErrors reached the destination, so the run succeeded (with the warning above).
      status: (pact?.skipped ?? 0) > 0 ? 'succeeded_with_rejections' : 'succeeded',
      // Created: rows written with the platform's current data; deleted: rows deleted on the platform
      // since the last export (written with deleted_at to a file, deleted by key from a table).
      counts: { ...emptyCounts(), read: result.rows + (pact?.skipped ?? 0), created: result.rows - result.deleted, deleted: result.deleted, rejected: pact?.skipped ?? 0 },
      error: null,
      bytes: result.bytes,
      watermarkTo: result.newCursor,
    };
  }

  private async disposeFile(
    job: JobRecord,
    file: { path: string; sha256: string; size: number },
    result: IngestResult,
    runId: number,
    errors: RowError[],
    event: (level: 'info' | 'warn' | 'error', message: string) => void,
    fileAtFault = true,
    readAgain = false,
  ): Promise<void> {
    const { store } = this.engine;
    const source = job.sourceId ? store.sources.get(job.sourceId) : null;
    if (!source || source.kind !== 'folder') return;
    // A file read again for its held rows was dealt with after its first run (moved, kept, or in
    // a folder the source no longer points at): it stays where it is, whatever the policy now.
    if (readAgain) {
      store.sources.recordFile(source.id, { path: file.path, sha256: file.sha256, size: file.size, seenAt: this.engine.clock.now().toISOString(), status: result.status === 'failed' ? 'failed' : 'processed', runId });
      return;
    }
    // A file that needs attention stays where it is: a person fixes the mapping, then it is retried.
    if (result.status === 'needs_attention' || result.status === 'interrupted' || (result.status === 'failed' && !fileAtFault)) {
      if (result.status === 'failed') {
        const cutOff = result.error?.includes('looks cut off');
        event('info', cutOff ? `Left ${basename(file.path)} where it is, to be read again once the copy is complete.` : `Left ${basename(file.path)} where it is: the failure was not caused by the file. It is taken again by the next run (Run now, or \`esg-sync run\`) once the problem is fixed.`);
      }
      store.sources.recordFile(source.id, { path: file.path, sha256: file.sha256, size: file.size, seenAt: this.engine.clock.now().toISOString(), status: 'pending', runId });
      return;
    }
    const outcome = result.status === 'failed' ? 'failed' : 'processed';
    // The folder source decides what happens to its files (set on the Sources page); sources saved before that fall back to the job.
    let policy = (['move', 'leave', 'delete'] as const).find((p) => p === source.config.afterRun) ?? JobConfig.parse(job.config).ingest?.afterRun ?? 'move';
    if (policy === 'delete' && result.counts.held > 0) {
      // Deleted, its held rows could never be sent: kept in processed/ for "Send the held rows".
      policy = 'move';
      event('info', `Kept the file (not deleted, as the source says for files that synced) because ${plural(result.counts.held, 'row')} ${result.counts.held === 1 ? 'is' : 'are'} held: it is read again when you send ${result.counts.held === 1 ? 'it' : 'them'}.`);
    }
    try {
      const fileErrors = outcome === 'failed' && errors.length === 0 && result.error ? [{ line: null, column: null, value: null, reason: result.error }] : errors;
      const moved = await disposeFileIn(String(source.config.path), file.path, outcome, policy, fileErrors);
      store.sources.recordFile(source.id, { path: moved.path ?? file.path, sha256: file.sha256, size: file.size, seenAt: this.engine.clock.now().toISOString(), status: outcome, runId });
      if (moved.path && moved.path !== file.path) event('info', `Moved the file to ${moved.path}.`);
      if (moved.errorsCsv) event('info', errors.length ? `Wrote the rejected rows to ${moved.errorsCsv}.` : `Wrote why the file failed to ${moved.errorsCsv}.`);
    } catch (err) {
      event('warn', `Could not move ${file.path} after the run: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

/** How a database run's row errors name their rows, said once in its timeline. */
function rowKeyWords(key: RowKeyColumns | null, noun: 'table' | 'query'): string {
  const cols = (key?.columns ?? []).map(keyColumnText).join(', ');
  const what = noun === 'query' ? "the query's result" : 'the table';
  if (!key) return `Row errors name a row by its position in this read of ${what} (it has no primary key, and the mapping's natural key and watermark read no column of it): sort ${what} as it was read to find one, or give the source a key.`;
  if (key.basis === 'unique') return `Row errors name a row by the key of ${what} (${cols}).`;
  if (key.basis === 'natural-key') return `Row errors name a row by the columns of the mapping's natural key (${cols}), as ${what} has no primary or unique key the agent could read; more than one row may match.`;
  return `Row errors name a row by its watermark column (${cols}), as ${what} has no primary or unique key the agent could read and the mapping's natural key reads no column of it; more than one row may match.`;
}

async function* onlyLines(rows: AsyncIterable<SourceRow>, lines: ReadonlySet<number>): AsyncGenerator<SourceRow> {
  for await (const row of rows) if (lines.has(row.line)) yield row;
}

async function* emptyRows(): AsyncGenerator<SourceRow> {
  // A run without a file still resends unanswered outbox batches.
}

function readerOptions(source: SourceRecord): Record<string, unknown> {
  const c = source.config;
  const pick: Record<string, unknown> = {};
  for (const k of ['encoding', 'delimiter', 'headerRow', 'sheet', 'pointer', 'skipHiddenRows']) if (c[k] !== undefined) pick[k] = c[k];
  return pick;
}

function describeFailure(err: unknown, dataDir: string): string {
  if (err instanceof PlatformError) return err.message;
  const fault = storeFaultOf(err);
  if (fault) return describeStoreFault(fault, dataDir, err);
  if (err instanceof Error) return err.message;
  return String(err);
}
