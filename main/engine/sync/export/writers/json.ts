/**
 * JSON (one array) and NDJSON (one object per line), streamed row by row. Rows keep the platform's
 * nesting by default, since JSON consumers want the structure; `flatten: true` writes dotted keys.
 */
import { flattenRow, type FlattenOptions } from '../flatten';
import { AtomicFile } from './atomic-file';
import type { ExportWriter, FileOutput, FileWriterOptions } from './types';

export interface JsonWriterOptions extends FlattenOptions, FileWriterOptions {
  flatten?: boolean;
}

export class JsonWriter implements ExportWriter {
  private rows = 0;

  private constructor(
    private readonly file: AtomicFile,
    private readonly lines: boolean,
    private readonly opts: JsonWriterOptions,
  ) {}

  static async create(folder: string, name: string, format: 'json' | 'ndjson', opts: JsonWriterOptions = {}): Promise<JsonWriter> {
    return new JsonWriter(await AtomicFile.create(folder, name, { replace: opts.replaceExisting }), format === 'ndjson', opts);
  }

  async write(row: Record<string, unknown>): Promise<void> {
    const value = this.opts.flatten === true ? flattenRow(row, this.opts) : row;
    const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    if (this.lines) await this.file.write(`${text}\n`);
    else await this.file.write(`${this.rows === 0 ? '[\n' : ',\n'}${text}`);
    this.rows++;
  }

  /** A row deleted on the platform is written like any other: its deleted_at says so. */
  remove(row: Record<string, unknown>): Promise<void> {
    return this.write(row);
  }

  async finish(): Promise<FileOutput> {
    if (!this.lines) await this.file.write(this.rows === 0 ? '[]\n' : '\n]\n');
    const { path, bytes } = await this.file.commit();
    return { kind: 'file', path, written: true, rows: this.rows, bytes };
  }

  async abort(): Promise<void> {
    await this.file.discard();
  }

  progress() {
    return { rows: this.rows, bytes: this.file.bytes };
  }
}
