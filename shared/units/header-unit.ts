/** The unit a column's header names, shared by the profiler and by the wizard following renamed columns. */
import { lookupUnit } from './index';

const BRACKETED = /[([{]([^)\]}]+)[)\]}]/g;

/**
 * The unit named in a header: 'Electricity (kWh)', 'Diesel [L]', 'Water m³', 'Gas_kWh',
 * 'Verbrauch in MWh', 'Scope 1 emissions tCO2e'. Bracketed text wins; otherwise the trailing
 * words are tried, longest first. Counts are only accepted in brackets, because 'Site no' is
 * a site number, not a unit.
 */
export function unitFromHeader(header: string): string | null {
  for (const m of header.matchAll(BRACKETED)) {
    const r = lookupUnit(m[1] ?? '');
    if (r.ok) return r.unit.id;
  }
  const words = header
    .normalize('NFKC')
    .replace(BRACKETED, ' ')
    .split(/[\s_/,;:|]+|-(?=\s)|(?<=\s)-/)
    .filter((w) => w !== '' && w !== '-');
  for (let n = Math.min(3, words.length); n >= 1; n--) {
    const candidate = words.slice(words.length - n).join(' ');
    const r = lookupUnit(candidate);
    if (r.ok && r.unit.dimension !== 'count' && (r.unit.dimension !== 'ratio' || r.unit.id === '%')) {
      // A lone unit word as the whole header ('kWh') still counts; a one-letter unit needs a name before it.
      if (candidate.length === 1 && words.length === 1) return null;
      return r.unit.id;
    }
  }
  return null;
}

