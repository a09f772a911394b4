/**
 * Shared part of the file formats with a header row (CSV, XLSX): flatten each row, let the
 * HeaderPlanner decide the columns, and hand whole header/value rows to the format.
 */
import { flattenRow, HeaderPlanner, type FlatValue } from '../flatten';
import type { TabularOptions } from './types';

export abstract class TabularFileWriter {
  private readonly planner: HeaderPlanner;
  protected rowCount = 0;

  constructor(protected readonly tabular: TabularOptions) {
    this.planner = new HeaderPlanner(tabular.headerWindow ?? 1000, tabular.columns);
  }

  protected abstract emitHeader(header: string[]): Promise<void>;
  /** May take `values` over (it is the caller's own array); returns a promise only to ask the caller to wait. */
  protected abstract emitRow(values: FlatValue[]): Promise<void> | void;

  write(row: Record<string, unknown>): Promise<void> | void {
    const direct = this.planner.projectFlat(row);
    if (direct !== undefined) {
      this.rowCount++;
      return this.emitRow(direct);
    }
    const out = this.planner.push(flattenRow(row, this.tabular));
    this.rowCount++;
    // Once the header is out, each row comes back alone: hand it straight on, without an async hop.
    if (out.header === null && out.rows.length === 1) return this.emitRow(out.rows[0]!);
    return this.drain(out);
  }

  /** A row deleted on the platform is a row of the file like any other: its deleted_at says so. */
  remove(row: Record<string, unknown>): Promise<void> | void {
    return this.write(row);
  }

  protected async endRows(): Promise<void> {
    await this.drain(this.planner.end());
  }

  private async drain(out: { header: string[] | null; rows: FlatValue[][] }): Promise<void> {
    // An export without rows has no columns; an empty header line would read as one blank record.
    if (out.header !== null && out.header.length > 0) await this.emitHeader(out.header);
    for (const r of out.rows) {
      const pending = this.emitRow(r);
      if (pending) await pending;
    }
  }
}
