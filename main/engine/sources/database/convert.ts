import type { CellValue } from '../../../../shared/domain';

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
