/**
 * XLSX through exceljs's streaming WorkbookWriter: rows are committed as they come, so memory stays
 * flat. Cells are typed (strings are never formulas in XLSX), so text is written as-is; only the
 * Excel cell limit of 32,767 characters is enforced, since a longer cell makes Excel "repair" the file.
 */
import type ExcelJS from 'exceljs';
import { loadExcelJS } from '../../../runtime/lazy-modules';
import type { FlatValue } from '../flatten';
import { AtomicFile } from './atomic-file';
import { TabularFileWriter } from './tabular-file';
import type { ExportWriter, TabularOptions, FileOutput } from './types';

export const XLSX_MAX_CELL = 32767;

export interface XlsxWriterOptions extends TabularOptions {
  sheetName?: string;
}

export class XlsxWriter extends TabularFileWriter implements ExportWriter {
  private constructor(
    private readonly file: AtomicFile,
    private readonly book: ExcelJS.stream.xlsx.WorkbookWriter,
    private readonly sheet: ExcelJS.Worksheet,
    opts: XlsxWriterOptions,
  ) {
    super(opts);
  }

  static async create(folder: string, name: string, opts: XlsxWriterOptions = {}): Promise<XlsxWriter> {
    const file = await AtomicFile.create(folder, name, { replace: opts.replaceExisting });
    const book = new (await loadExcelJS()).stream.xlsx.WorkbookWriter({ stream: file.stream, useStyles: false, useSharedStrings: false });
    const sheet = book.addWorksheet(sanitiseSheetName(opts.sheetName ?? 'Export'));
    return new XlsxWriter(file, book, sheet, opts);
  }

  protected emitHeader(header: string[]): Promise<void> {
    this.sheet.addRow(header).commit();
    return Promise.resolve();
  }

  protected emitRow(values: FlatValue[]): void {
    this.sheet
      .addRow(values.map((v) => (typeof v === 'string' && v.length > XLSX_MAX_CELL ? v.slice(0, XLSX_MAX_CELL) : v)))
      .commit();
  }

  async finish(): Promise<FileOutput> {
    await this.endRows();
    this.sheet.commit();
    await this.book.commit();
    const { path, bytes } = await this.file.commit();
    return { kind: 'file', path, written: true, rows: this.rowCount, bytes };
  }

  async abort(): Promise<void> {
    await this.file.discard();
  }

  progress() {
    return { rows: this.rowCount, bytes: this.file.bytes };
  }
}

function sanitiseSheetName(name: string): string {
  const s = name.replace(/[[\]:*?/\\]/g, '_').slice(0, 31);
  return s === '' ? 'Export' : s;
}
