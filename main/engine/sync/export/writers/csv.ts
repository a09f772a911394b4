import { pipeline } from 'node:stream/promises';
import { stringify, type Stringifier } from 'csv-stringify';
import { neutraliseCell } from '../../../csv-safety';
import type { ExportColumnType } from '../../../platforms/types';
import type { FlatValue } from '../flatten';
import { AtomicFile, FILE_BUFFER_BYTES } from './atomic-file';
import { TabularFileWriter } from './tabular-file';
import type { ExportWriter, TabularOptions, FileOutput } from './types';

export interface CsvWriterOptions extends TabularOptions {
  delimiter?: string;
  /** ',' writes numbers as "12,5" for spreadsheets set to a decimal-comma language. */
  decimal?: '.' | ',';
  /** What the platform declares each field to hold: text in a `number` column is a number too. */
  columnTypes?: Readonly<Record<string, ExportColumnType>> | null;
  /** A UTF-8 byte order mark so Excel opens non-ASCII text correctly; default true. */
  bom?: boolean;
}

/** Every text cell goes through neutraliseCell: a spreadsheet must never run a cell as a formula. */
export function csvCell(v: FlatValue): string {
  if (v === null) return '';
  if (typeof v === 'string') return mayBeFormula(v) ? neutraliseCell(v) : v;
  return String(v);
}

// A plain decimal number written as text ("12.5", "-0.25", "1.5e-7").
const DECIMAL_POINT_NUMBER = /^-?\d+\.\d+(?:[eE][+-]?\d+)?$/;

/**
 * csvCell for a decimal-comma spreadsheet: numbers with a comma. Text gets one only in a column the
 * platform declares a number: a comment or a site reference reading "10.20" is text and stays so.
 */
export function csvCellDecimalComma(v: FlatValue, numberColumn: boolean): string {
  if (typeof v === 'number') return String(v).replace('.', ',');
  if (numberColumn && typeof v === 'string' && DECIMAL_POINT_NUMBER.test(v)) return v.replace('.', ',');
  return csvCell(v);
}

/**
 * True when `v` starts with a character neutraliseCell acts on (= + - @ tab CR); for any other
 * text it returns its input unchanged, so most cells skip its regular expression.
 */
function mayBeFormula(v: string): boolean {
  const c = v.charCodeAt(0);
  return c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13;
}

export class CsvWriter extends TabularFileWriter implements ExportWriter {
  private readonly decimalComma: boolean;
  private readonly columnTypes: Readonly<Record<string, ExportColumnType>> | null;
  /** By header position: the platform declares the column a number. */
  private numberColumns: boolean[] = [];

  private constructor(
    private readonly file: AtomicFile,
    private readonly csv: Stringifier,
    private readonly piped: Promise<void>,
    opts: CsvWriterOptions,
  ) {
    super(opts);
    this.decimalComma = opts.decimal === ',';
    this.columnTypes = opts.columnTypes ?? null;
  }

  static async create(folder: string, name: string, opts: CsvWriterOptions = {}): Promise<CsvWriter> {
    const file = await AtomicFile.create(folder, name, { replace: opts.replaceExisting });
    // A page of rows (about 200 KB of CSV) fits in the stringifier's output buffer, so the export
    // does not stop for the disk every hundred rows as it would with the 16 KB default.
    const csv = stringify({ delimiter: opts.delimiter ?? ',', bom: opts.bom ?? true, record_delimiter: 'unix', readableHighWaterMark: FILE_BUFFER_BYTES });
    // The pipeline ends the file only after the stringifier has flushed its last record.
    const piped = pipeline(csv, file.stream);
    piped.catch(() => undefined); // observed in finish()/abort(); avoids an unhandled rejection meanwhile
    return new CsvWriter(file, csv, piped, opts);
  }

  protected async emitHeader(header: string[]): Promise<void> {
    const types = this.columnTypes;
    this.numberColumns = header.map((h) => types?.[h] === 'number');
    await this.push(header.map((h) => neutraliseCell(h)));
  }

  protected emitRow(values: FlatValue[]): Promise<void> | void {
    // The planner's array is ours: turning it into cells in place saves an array per row.
    const cells = values as unknown as string[];
    if (this.decimalComma) for (let i = 0; i < values.length; i++) cells[i] = csvCellDecimalComma(values[i]!, this.numberColumns[i] === true);
    else for (let i = 0; i < values.length; i++) cells[i] = csvCell(values[i]!);
    return this.push(cells);
  }

  /** Returns a promise only when the stringifier asks to wait (back-pressure). */
  private push(cells: string[]): Promise<void> | void {
    if (!this.csv.write(cells)) return this.drained();
  }

  private drained(): Promise<void> {
    // Each wait removes both of its listeners, so a million-row export does not pile up
    // error listeners on the stringifier (one per back-pressure pause).
    return new Promise<void>((resolve, reject) => {
      const drained = () => {
        this.csv.off('error', failed);
        resolve();
      };
      const failed = (err: Error) => {
        this.csv.off('drain', drained);
        reject(err);
      };
      this.csv.once('drain', drained);
      this.csv.once('error', failed);
    });
  }

  async finish(): Promise<FileOutput> {
    await this.endRows();
    this.csv.end();
    await this.piped;
    const { path, bytes } = await this.file.commit();
    return { kind: 'file', path, written: true, rows: this.rowCount, bytes };
  }

  async abort(): Promise<void> {
    this.csv.destroy();
    await this.piped.catch(() => undefined);
    await this.file.discard();
  }

  progress() {
    return { rows: this.rowCount, bytes: this.file.bytes };
  }
}
