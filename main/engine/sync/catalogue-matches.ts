import type { CatalogueMatch, MappingProfile } from '../../../shared/mapping';
import { inStep } from '../../../shared/mapping/wizard-steps';

/** Distinct codes listed by name in a run's timeline; more are counted. */
const LISTED = 10;
/** Distinct codes remembered at all: a column of free text cannot grow it without end. */
const TRACKED = 1000;

/**
 * Codes a run took as the platform's site or metric with that reference or name, because the
 * mapping does not map them and lets the platform's catalogue decide (matchCatalogue). Nobody chose
 * these, and a new code can name another company's site: the run says which, so a person can check.
 */
export class CatalogueMatches {
  private readonly seen = new Map<string, { match: CatalogueMatch; rows: number; firstLine: number }>();
  /** By the match itself: apply hands out one object per code, so most rows are one Map lookup. */
  private readonly byObject = new Map<CatalogueMatch, { match: CatalogueMatch; rows: number; firstLine: number }>();
  private untracked = 0;

  constructor(private readonly profile: Pick<MappingProfile, 'entity'>) {}

  note(matches: readonly CatalogueMatch[] | undefined, line: number): void {
    if (!matches) return;
    for (const m of matches) {
      const same = this.byObject.get(m);
      if (same) {
        same.rows++;
        continue;
      }
      const k = `${m.kind}\u0000${m.text.trim()}`;
      const had = this.seen.get(k);
      if (had) {
        had.rows++;
        if (this.byObject.size < TRACKED) this.byObject.set(m, had);
      } else if (this.seen.size < TRACKED) {
        const tally = { match: m, rows: 1, firstLine: line };
        this.seen.set(k, tally);
        this.byObject.set(m, tally);
      } else this.untracked++;
    }
  }

  /** One sentence per kind (sites, metrics), for the run's timeline. */
  sentences(): string[] {
    const label = this.profile.entity.kind === 'column' ? this.profile.entity.label : 'site';
    const out: string[] = [];
    for (const kind of ['entity', 'metric'] as const) {
      const all = [...this.seen.values()].filter((s) => s.match.kind === kind);
      if (!all.length) continue;
      const listed = all.slice(0, LISTED).map((s) => `'${s.match.text.trim()}' → “${s.match.name}” (${s.rows === 1 ? `line ${s.firstLine}` : `${s.rows} rows from line ${s.firstLine}`})`);
      const more = all.length - listed.length + (kind === 'entity' ? this.untracked : 0);
      const what = kind === 'entity' ? `${label} code${all.length === 1 ? '' : 's'}` : `metric name${all.length === 1 ? '' : 's'}`;
      const step = inStep('Sites & periods');
      out.push(
        `The mapping does not map the ${what} ${listed.join(', ')}${more > 0 ? ` and ${more} more` : ''}; ${all.length === 1 ? 'it was' : 'they were'} taken as the platform ${kind === 'entity' ? label : 'metric'} with that ${kind === 'entity' ? 'reference or name' : 'code or name'}, as the mapping allows. If that is wrong, map ${all.length === 1 ? 'it' : 'them'} in ${step}, or turn off matching by the platform’s names there.`,
      );
    }
    return out;
  }
}
