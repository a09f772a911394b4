/**
 * Unit lookup and conversion over the table in ./table. Pure: runs in the engine, the sandbox
 * and the renderer alike.
 */
import { AMBIGUOUS_UNITS, BASE_UNITS, UNITS, type Dimension, type UnitDef } from './table';

export type UnitErrorCode = 'unknown_unit' | 'ambiguous_unit' | 'incompatible_units' | 'calorific_value_required' | 'invalid_value';

export class UnitError extends Error {
  readonly code: UnitErrorCode;
  constructor(code: UnitErrorCode, message: string) {
    super(message);
    this.name = 'UnitError';
    this.code = code;
  }
}

export type UnitLookup =
  | { ok: true; unit: UnitDef }
  | { ok: false; reason: 'unknown' | 'ambiguous' | 'empty'; message: string };

const byId = new Map<string, UnitDef>();
const exact = new Map<string, UnitDef>();
const lower = new Map<string, Set<string>>();
const compact = new Map<string, Set<string>>();

function addIndex(index: Map<string, Set<string>>, key: string, id: string): void {
  const set = index.get(key) ?? new Set<string>();
  set.add(id);
  index.set(key, set);
}

const compactKey = (s: string): string => s.toLowerCase().replace(/[\s\-·._]/g, '');

for (const unit of UNITS) {
  byId.set(unit.id, unit);
  for (const spelling of [unit.id, ...unit.aliases]) {
    const cleaned = cleanUnitText(spelling);
    exact.set(cleaned, unit);
    addIndex(lower, cleaned.toLowerCase(), unit.id);
    addIndex(compact, compactKey(cleaned), unit.id);
  }
}
const ambiguousLower = new Map<string, string>();
for (const [spelling, message] of Object.entries(AMBIGUOUS_UNITS)) ambiguousLower.set(spelling.toLowerCase(), message);

/** NFKC turns 'm³' into 'm3' and 'CO₂' into 'CO2'; brackets around a unit are decoration. */
function cleanUnitText(raw: string): string {
  let s = raw.normalize('NFKC').trim().replace(/\s+/g, ' ');
  // "(kWh)", "[kWh]", "in kWh": the unit is what is inside.
  const wrapped = /^[([{](.*)[)\]}]$/.exec(s);
  if (wrapped?.[1] !== undefined) s = wrapped[1].trim();
  s = s.replace(/^in\s+/i, '');
  // CO2-equivalent has many spellings: CO2e, CO2-e, CO2 eq., CO2-Äq (German).
  s = s.replace(/co2[\s-]*(?:e|eq|equiv|equivalent|äq|aeq)\.?$/i, 'CO2e');
  return s;
}

function describeCandidates(ids: Set<string>): string {
  return [...ids].map((id) => `'${id}' (${byId.get(id)?.name ?? id})`).join(' or ');
}

// A file repeats the same few unit spellings on every row; remembering them keeps lookups off the hot path.
const memo = new Map<string, UnitLookup>();
const MEMO_LIMIT = 1024;

/** Resolve a unit as written in a file or a platform's metric library. */
export function lookupUnit(raw: string | null | undefined): UnitLookup {
  if (typeof raw === 'string') {
    const hit = memo.get(raw);
    if (hit) return hit;
    const r = resolveUnit(raw);
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(raw, r);
    return r;
  }
  return resolveUnit(raw);
}

function resolveUnit(raw: string | null | undefined): UnitLookup {
  if (raw === null || raw === undefined || raw.trim() === '') {
    return { ok: false, reason: 'empty', message: 'No unit was given.' };
  }
  const s = cleanUnitText(raw);
  const hit = exact.get(s);
  if (hit) return { ok: true, unit: hit };
  const ambiguous = AMBIGUOUS_UNITS[s];
  if (ambiguous) return { ok: false, reason: 'ambiguous', message: ambiguous };

  const tiers: Array<[Map<string, Set<string>>, string]> = [
    [lower, s.toLowerCase()],
    [compact, compactKey(s)],
  ];
  for (const [index, key] of tiers) {
    const amb = ambiguousLower.get(key);
    if (amb) return { ok: false, reason: 'ambiguous', message: amb };
    const ids = index.get(key);
    if (!ids) continue;
    if (ids.size === 1) {
      const unit = byId.get([...ids][0] as string);
      if (unit) return { ok: true, unit };
    }
    return {
      ok: false,
      reason: 'ambiguous',
      message: `'${raw.trim()}' could mean ${describeCandidates(ids)}; letter case decides. Write the unit exactly, e.g. '${[...ids][0]}'.`,
    };
  }
  return { ok: false, reason: 'unknown', message: `'${raw.trim()}' is not a unit this app knows.` };
}

/** Canonical symbol for a unit string, or null when unknown or ambiguous. */
export function normaliseUnit(raw: string | null | undefined): string | null {
  const r = lookupUnit(raw);
  return r.ok ? r.unit.id : null;
}

export function unitInfo(raw: string): UnitDef | null {
  const r = lookupUnit(raw);
  return r.ok ? r.unit : null;
}

export function dimensionOf(raw: string): Dimension | null {
  return unitInfo(raw)?.dimension ?? null;
}

export interface ConvertOptions {
  /**
   * Energy content of the gas per cubic metre (MJ/m³), as stated on the bill or by the supplier.
   * Required to turn a volume of fuel into energy; never assumed, because it varies by supplier
   * and gas quality (typically 35–42 MJ/m³ gross for natural gas).
   */
  calorificValueMJPerM3?: number;
}

export type ConversionNeed = 'same' | 'factor' | 'calorific-value' | 'incompatible' | 'unknown-unit';

/** What converting `from` to `to` takes: nothing, a factor, a calorific value, or is impossible. */
export function conversionNeed(from: string, to: string): ConversionNeed {
  const a = unitInfo(from);
  const b = unitInfo(to);
  if (!a || !b) return 'unknown-unit';
  if (a.id === b.id) return 'same';
  if (a.dimension === b.dimension) return 'factor';
  const pair = new Set([a.dimension, b.dimension]);
  if (pair.has('volume') && pair.has('energy')) return 'calorific-value';
  return 'incompatible';
}

export function canConvert(from: string, to: string, options: ConvertOptions = {}): boolean {
  const need = conversionNeed(from, to);
  if (need === 'same' || need === 'factor') return true;
  if (need === 'calorific-value') return validCalorificValue(options.calorificValueMJPerM3);
  return false;
}

function validCalorificValue(cv: number | undefined): cv is number {
  return typeof cv === 'number' && Number.isFinite(cv) && cv > 0;
}

/**
 * Factor products such as 0.3 / 0.001 leave float dust (299.99999999999994); 15 significant
 * digits is below a double's precision and far beyond any meter's, so rounding there is exact
 * for every real reading.
 */
function clean(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x === 0 ? 0 : x;
  return Number(x.toPrecision(15));
}

function requireUnit(raw: string): UnitDef {
  const r = lookupUnit(raw);
  if (r.ok) return r.unit;
  throw new UnitError(r.reason === 'ambiguous' ? 'ambiguous_unit' : 'unknown_unit', r.message);
}

/** Convert `value` from one unit to another. Throws UnitError with a message a person can act on. */
export function convert(value: number, from: string, to: string, options: ConvertOptions = {}): number {
  if (!Number.isFinite(value)) throw new UnitError('invalid_value', `${value} is not a finite number and cannot be converted.`);
  const a = requireUnit(from);
  const b = requireUnit(to);
  if (a.id === b.id) return value;
  if (a.dimension === b.dimension) return clean((value * a.factor) / b.factor);

  const dims = new Set([a.dimension, b.dimension]);
  if (dims.has('volume') && dims.has('energy')) {
    const cv = options.calorificValueMJPerM3;
    if (!validCalorificValue(cv)) {
      throw new UnitError(
        'calorific_value_required',
        `Converting ${a.id} (a volume) to ${b.id} (energy) needs the gas's calorific value in MJ per m³, ` +
          `as printed on the bill or given by the supplier.`,
      );
    }
    const joulesPerM3 = cv * 1e6;
    if (a.dimension === 'volume') {
      const m3 = value * a.factor;
      return clean((m3 * joulesPerM3) / b.factor);
    }
    const joules = value * a.factor;
    return clean(joules / joulesPerM3 / b.factor);
  }
  throw new UnitError(
    'incompatible_units',
    `${a.id} (${a.dimension}) cannot be converted to ${b.id} (${b.dimension}): they measure different things.`,
  );
}

/** Units of one dimension, for pickers. */
export function unitsOf(dimension: Dimension): UnitDef[] {
  return UNITS.filter((u) => u.dimension === dimension);
}

export { BASE_UNITS, UNITS, AMBIGUOUS_UNITS };
export type { Dimension, UnitDef };
