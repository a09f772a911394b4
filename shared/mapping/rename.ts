/**
 * Following renamed columns: when a file's header changed ('Electricity kWh' became
 * 'Electricity (kWh)'), every place a profile names the old column is rewritten to the new one,
 * so a person updating the mapping after drift starts from what they saved, not from scratch.
 */
import type { MappingProfileInput } from './profile';

/** A copy of `profile` with each column in `renames` (old → new) replaced wherever it is read. */
export function renameProfileColumns<P extends Partial<MappingProfileInput>>(profile: P, renames: Readonly<Record<string, string>>): P {
  const to = (c: string): string => (Object.prototype.hasOwnProperty.call(renames, c) ? renames[c]! : c);
  const p: Partial<MappingProfileInput> = structuredClone(profile);
  if (p.shape?.kind === 'long') p.shape.valueColumn = to(p.shape.valueColumn);
  if (p.shape?.kind === 'wide') for (const c of p.shape.valueColumns) c.column = to(c.column);
  if (p.metric?.kind === 'column') p.metric.column = to(p.metric.column);
  if (p.entity?.kind === 'column') p.entity.column = to(p.entity.column);
  const period = p.period;
  if (period?.kind === 'date') period.column = to(period.column);
  if (period?.kind === 'range') {
    period.startColumn = to(period.startColumn);
    period.endColumn = to(period.endColumn);
  }
  if (period?.kind === 'year-month') {
    period.yearColumn = to(period.yearColumn);
    period.monthColumn = to(period.monthColumn);
  }
  // A constant year is a virtual column of the profile's own: it is never renamed by a file.
  if (period?.kind === 'year' && !(p.constants && period.yearColumn in p.constants)) period.yearColumn = to(period.yearColumn);
  if (p.unit?.kind === 'column') p.unit.column = to(p.unit.column);
  if (p.comment) p.comment.column = to(p.comment.column);
  if (p.evidence) p.evidence.column = to(p.evidence.column);
  if (p.filters?.skipWhen) for (const r of p.filters.skipWhen) r.column = to(r.column);
  if (p.naturalKey) p.naturalKey = p.naturalKey.map((k) => (typeof k === 'object' ? { column: to(k.column) } : k));
  return p as P;
}
