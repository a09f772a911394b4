/**
 * What an export job does around a PACT adapter that other platforms do not need.
 *
 * PACT lists every footprint on every run, and a supplier may share one long after it was
 * created, so "changed after the cursor" would miss it for good: footprints are chosen by what
 * this job exported before (id → content hash, store.exportMemory), which is saved only once the
 * run succeeded, in the same transaction as the cursor.
 *
 * Footprints that fail PACT validation become row errors of the run (field, footprint id, what is
 * wrong), and the timeline gets one warning naming the first few.
 */
import type { RowError } from '../../../../shared/domain';
import { plural } from '../../../../shared/plural';
import type { InvalidFootprint, PactExportOptions } from '../../platforms/pact/adapter';
import type { AdapterContext, ExportQuery, PlatformAdapter } from '../../platforms/types';
import type { Store } from '../../store';

type Event = (level: 'info' | 'warn' | 'error', message: string) => void;
type ExportingAdapter = Pick<PlatformAdapter, 'exportStream'> & Partial<Pick<PlatformAdapter, 'exportColumns' | 'exportColumnTypes'>>;
type PactAdapter = ExportingAdapter & { exportStream(q: ExportQuery, c: AdapterContext, o: PactExportOptions): ReturnType<PlatformAdapter['exportStream']> };

/** Row errors kept per run for invalid footprints: enough to act on, bounded for a broken feed. */
const MAX_ROW_ERRORS = 10_000;
const SAMPLES = 3;

export interface PactExportRun {
  /** The adapter the export reads through: the same one, choosing footprints by the job's memory. */
  adapter: ExportingAdapter;
  /** Whether the timeline was told what this run exports (an incremental run); a full one is said as for any platform. */
  announced: boolean;
  /** Footprints left out for failing validation ('skip'): the run's rejected rows. */
  readonly skipped: number;
  /** After a failed export: nothing it wrote is remembered, and its invalid footprints are reported. */
  failed(): void;
  /** After a successful export; `save` runs inside the transaction that moves the job's cursor. */
  succeeded(): { save: (at: string) => void };
}

export function pactExportRun(o: { store: Store; adapter: PactAdapter; jobId: string; runId: number; dataset: string; since: string | null; event: Event }): PactExportRun {
  const { store, event } = o;
  const remembered = store.exportMemory.filled(o.jobId, o.dataset);
  // Refilled by a full export, the job's first (or first since its dataset or destination changed),
  // or the first since the job kept this memory: that run writes every footprint once, so those
  // shared with an older creation date, which earlier runs skipped, are written too.
  const memory = store.exportMemory.session({ jobId: o.jobId, dataset: o.dataset, runId: o.runId, refill: o.since === null || !remembered });
  if (o.since !== null && !remembered) {
    event('info', `Exporting ${o.dataset}: this job has no record yet of which footprints it exported (it last ran before the agent kept one), so this run writes every footprint once; later runs write only the footprints new to it or changed since it wrote them.`);
  } else if (o.since !== null) {
    event('info', `Exporting ${o.dataset} new to this job or changed since it last exported them (every footprint is listed and compared with what this job wrote before, whatever its dates).`);
  }

  const invalid = new InvalidFootprints(store, o.runId, event);
  return {
    announced: o.since !== null,
    adapter: {
      exportStream: (q, c) => o.adapter.exportStream(q, c ?? {}, { memory, onInvalid: (info) => invalid.add(info) }),
      ...(o.adapter.exportColumns ? { exportColumns: o.adapter.exportColumns.bind(o.adapter) } : {}),
      ...(o.adapter.exportColumnTypes ? { exportColumnTypes: o.adapter.exportColumnTypes.bind(o.adapter) } : {}),
    },
    get skipped() {
      return invalid.skipped;
    },
    failed() {
      memory.discard();
      invalid.report(false);
    },
    succeeded() {
      invalid.report(true);
      if (o.since !== null && remembered) {
        const c = memory.counts;
        event('info', `Footprints listed: ${c.added} new to this job, ${c.changed} changed since it exported them, ${c.unchanged} unchanged (not written again).`);
      }
      return { save: (at) => memory.commit(at) };
    },
  };
}

/** "pcf.declaredUnit is missing", "specVersion must be a version like 2.3.0", "companyIds: Too small: …" */
function say(p: { field: string | null; problem: string }): string {
  return p.field ? `${p.field}${/^[a-z≥≤]/.test(p.problem) ? ' ' : ': '}${p.problem}` : p.problem;
}

class InvalidFootprints {
  private count = 0;
  private exported = 0;
  skipped = 0;
  private recorded = 0;
  private readonly samples: string[] = [];
  private pending: RowError[] = [];

  constructor(
    private readonly store: Store,
    private readonly runId: number,
    private readonly event: Event,
  ) {}

  add(info: InvalidFootprint): void {
    this.count++;
    if (info.exported === false) this.skipped++;
    else this.exported++;
    const problems = info.problems ?? info.errors.map((e) => ({ field: null, problem: e }));
    if (this.samples.length < SAMPLES) {
      const what = problems.slice(0, 2).map(say);
      this.samples.push(`${info.id ?? '(a footprint without an id)'} (${what.join('; ')}${problems.length > 2 ? `; ${problems.length - 2} more` : ''})`);
    }
    for (const p of problems) {
      if (this.recorded >= MAX_ROW_ERRORS) break;
      this.recorded++;
      this.pending.push({ line: null, column: p.field, value: info.id, reason: say(p) });
    }
    if (this.pending.length >= 500) this.flush();
  }

  private flush(): void {
    if (this.pending.length) this.store.runs.addErrors(this.runId, this.pending);
    this.pending = [];
  }

  report(finished: boolean): void {
    this.flush();
    const n = this.count;
    if (n === 0) return;
    const was = (k: number) => (k === 1 ? 'was' : 'were');
    const fate =
      this.skipped === 0
        ? `${was(n)} exported with _validationErrors filled in`
        : this.exported === 0
          ? `${was(n)} left out of the export`
          : `${this.exported} ${was(this.exported)} exported with _validationErrors filled in and ${this.skipped} left out`;
    const more = n > this.samples.length ? `, and ${n - this.samples.length} more` : '';
    const listed = this.recorded < MAX_ROW_ERRORS ? "Each failing field is listed under the run's row errors." : `The run's row errors list the first ${MAX_ROW_ERRORS} failing fields.`;
    this.event('warn', `${plural(n, 'footprint')} ${finished ? '' : 'read before the run stopped '}failed PACT validation and ${fate}: ${this.samples.join(', ')}${more}. ${listed}`);
  }
}
