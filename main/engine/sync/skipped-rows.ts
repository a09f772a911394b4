import { isTotalsLabel, type MappingProfile, type RowSkip } from '../../../shared/mapping';
import type { SourceRow } from '../../../shared/domain';

/**
 * Rows a run leaves out on purpose (neither sent nor rejected), counted by why, so the run can say
 * so and its counts add up for a person checking them against the file.
 */
export class SkippedRows {
  private readonly counts = new Map<RowSkip, number>();
  private firstTotals: { line: number; label: string } | null = null;
  private readonly labelColumns: string[];

  constructor(profile: Pick<MappingProfile, 'entity' | 'metric'>) {
    this.labelColumns = [profile.entity.kind === 'column' ? profile.entity.column : null, profile.metric?.kind === 'column' ? profile.metric.column : null].filter((c): c is string => c !== null);
  }

  note(skip: RowSkip | null, row: SourceRow): void {
    if (!skip || skip === 'blank-row') return;
    this.counts.set(skip, (this.counts.get(skip) ?? 0) + 1);
    if (skip === 'totals-row' && !this.firstTotals) {
      const label = this.labelColumns.map((c) => row.cells[c]).find((v): v is string => typeof v === 'string' && isTotalsLabel(v));
      this.firstTotals = { line: row.line, label: label?.trim() ?? 'Total' };
    }
  }

  /** One sentence per reason, for the run's timeline. */
  sentences(): string[] {
    const out: string[] = [];
    const n = (k: RowSkip) => this.counts.get(k) ?? 0;
    const rows = (k: number) => (k === 1 ? '1 row' : `${k} rows`);
    const t = this.firstTotals;
    if (t) {
      const more = n('totals-row') - 1;
      out.push(`Line ${t.line} ('${t.label}') ${more > 0 ? `and ${rows(more)} like it look` : 'looks'} like a totals row: skipped, as a total of the rows above would count their values twice.`);
    }
    if (n('filtered')) out.push(`${rows(n('filtered'))} matched the mapping's rules for rows to skip and ${n('filtered') === 1 ? 'was' : 'were'} skipped.`);
    const unknown = n('unknown-entity') + n('unknown-metric');
    if (unknown) out.push(`${rows(unknown)} with site or metric codes the mapping does not know ${unknown === 1 ? 'was' : 'were'} skipped, as the mapping says for such codes.`);
    return out;
  }
}
