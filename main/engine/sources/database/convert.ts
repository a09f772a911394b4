import type { CellValue } from '../../../../shared/domain';
import { REREAD_ALIAS, WATERMARK_ALIAS } from './sql';
import type { DatabaseSourceConfig } from './types';

/** A database value as a cell: exact numbers stay text when JS numbers would round them. */
export function toCell(v: unknown): CellValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (Buffer.isBuffer(v)) return v.toString('base64');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Watermark text to a bound value: integers compare as numbers, everything else as given. */
export function watermarkParam(w: string): string | number | bigint {
  if (/^-?\d+$/.test(w)) {
    const n = Number(w);
    return Number.isSafeInteger(n) ? n : BigInt(w);
  }
  if (/^-?\d+\.\d+(e[-+]?\d+)?$/i.test(w)) return Number(w);
  return w;
}

/**
 * The watermark a read row reports (see DatabaseRow): its own value as text, or, for a row below
 * the saved watermark that the look-back read again, the saved watermark (the run's watermark
 * never moves back). Null without a watermark column.
 */
export function watermarkOf(r: Record<string, unknown>, cfg: DatabaseSourceConfig, saved: string | null | undefined): string | null {
  if (!cfg.watermarkColumn) return null;
  if (saved !== null && saved !== undefined && Number(r[REREAD_ALIAS]) === 1) return saved;
  return (r[WATERMARK_ALIAS] as string | null) ?? null;
}
