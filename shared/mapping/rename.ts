/**
 * Following renamed columns: when a file's header changed ('Electricity kWh' became
 * 'Electricity (kWh)'), every place a profile names the old column is rewritten to the new one,
 * so a person updating the mapping after drift starts from what they saved, not from scratch.
 */
import { unitFromHeader } from '../units/header-unit';
import type { MappingProfileInput } from './profile';

/**
 * A renamed column whose name now gives another unit ('Electricity kWh' → 'Electricity MWh'):
 * its values are in that unit now, and a mapping that kept the old one would send them 1,000 times
 * too small. Null when the names give the same unit, or the new one gives none.
 */
export function renamedUnit(from: string, to: string): { from: string | null; to: string } | null {
  const after = unitFromHeader(to);
  if (after === null) return null;
  const before = unitFromHeader(from);
  return before === after ? null : { from: before, to: after };
}

/**
 * The unit a renamed column makes `profile` read its values in: only for a value column whose unit
 * its name sets (a long table without a unit column, a wide column with a unit of its own, or
 * none beside no unit column). Where a unit column gives each row's unit, the new name changes
 * nothing and is not to be said to: the mapping keeps reading the unit column.
 */
export function renamedValueUnit(profile: Partial<MappingProfileInput>, from: string, to: string): { from: string | null; to: string } | null {
  const byColumn = profile.unit?.kind === 'column';
  const shape = profile.shape;
  const setsUnit =
    shape?.kind === 'long'
      ? shape.valueColumn === from && !byColumn
      : shape?.kind === 'wide' && shape.valueColumns.some((c) => c.column === from && (c.unit !== undefined || !byColumn));
  return setsUnit ? renamedUnit(from, to) : null;
}

/** A copy of `profile` with each column in `renames` (old → new) replaced wherever it is read. */
export function renameProfileColumns<P extends Partial<MappingProfileInput>>(profile: P, renames: Readonly<Record<string, string>>): P {
  const to = (c: string): string => (Object.prototype.hasOwnProperty.call(renames, c) ? renames[c]! : c);
  const p: Partial<MappingProfileInput> = structuredClone(profile);
  // A value column whose new name gives another unit is read in that unit (see renamedValueUnit).
  const unitOf = (c: string) => (Object.prototype.hasOwnProperty.call(renames, c) ? renamedValueUnit(profile, c, renames[c]!) : null);
  if (p.shape?.kind === 'long') {
    const changed = unitOf(p.shape.valueColumn);
    if (changed) p.unit = { kind: 'fixed', unit: changed.to };
    p.shape.valueColumn = to(p.shape.valueColumn);
  }
  if (p.shape?.kind === 'wide') {
    for (const c of p.shape.valueColumns) {
      const changed = unitOf(c.column);
      if (changed) c.unit = changed.to;
      c.column = to(c.column);
    }
  }
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
