import type { RowError } from '../../../shared/domain';
import type { MappedRecord } from '../../../shared/mapping';
import { plural } from '../../../shared/plural';

/**
 * Rows a run holds instead of sending, by why: a site or metric code not mapped yet (sent once a
 * person maps it), or a period that has not ended yet (sent once it is over). Both are read again
 * later; the run says which, and how they will be sent.
 */
export class HeldRows {
  codeRows = 0;
  earlyRows = 0;
  /** The last day of the latest period held as not over yet. */
  lastEnd: string | null = null;
  private rowEarly = false;

  /**
   * A record's validation problems as the run records them: held when every one is "the period
   * has not ended yet"; with any other problem the record is simply rejected.
   */
  problems(m: MappedRecord, problems: RowError[]): RowError[] {
    if (problems.every((p) => p.held)) {
      this.rowEarly = true;
      if (this.lastEnd === null || m.record.periodEnd > this.lastEnd) this.lastEnd = m.record.periodEnd;
      return problems;
    }
    return problems.map(({ held: _held, ...p }) => p);
  }

  /** Ends a row: true when it held anything (its codes, or a record of it for its period). */
  endRow(heldForCodes: boolean): boolean {
    const early = this.rowEarly;
    this.rowEarly = false;
    if (heldForCodes) this.codeRows++;
    else if (early) this.earlyRows++;
    return heldForCodes || early;
  }

  get rows(): number {
    return this.codeRows + this.earlyRows;
  }

  /**
   * What a row adds to the run's rejected count: each value rejected for itself, and a held row
   * once, as `held` counts it. Runs are read as "rejected − held" everywhere (run lines, History,
   * the Dashboard), which is then the values really rejected; counting each held value of a wide
   * row instead showed a row held for its period as values rejected.
   */
  static rejectedCount(errors: readonly RowError[], rowHeld: boolean): number {
    return errors.reduce((n, e) => n + (e.held ? 0 : 1), 0) + (rowHeld ? 1 : 0);
  }

  /**
   * What counts against the file: rejected values and rows held for codes (a person maps them),
   * but not rows only waiting for their period to end — a file with this month's row is normal,
   * so it neither fails an all-or-nothing job nor marks the run as having rejections.
   */
  againstFile(rejected: number): number {
    return rejected - this.earlyRows;
  }

  /** What the run says about them; `codesAdvice` is how this run's held codes get sent once mapped. */
  sentences(codesAdvice: string | undefined, words: { sent: string; codes: string } = { sent: 'sent', codes: 'site or metric codes' }): string[] {
    const { sent, codes } = words;
    const out: string[] = [];
    if (this.codeRows) out.push(`${plural(this.codeRows, 'row')} ${this.codeRows === 1 ? 'uses' : 'use'} ${codes} that are not mapped yet and ${this.codeRows === 1 ? 'was' : 'were'} not ${sent}.${codesAdvice ? ` ${codesAdvice}` : ''}`);
    if (this.earlyRows) out.push(`${plural(this.earlyRows, 'row')} ${this.earlyRows === 1 ? 'is' : 'are'} for periods that have not ended yet (the last ends on ${this.lastEnd}): held, and ${sent} once the period is over.`);
    return out;
  }
}
