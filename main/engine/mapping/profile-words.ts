/**
 * A mapping profile's validation problems in words. zod says
 * "transforms.calorificValueMJPerM3: Too small: expected number to be >0"; a person editing the
 * file needs "The calorific value … must be a positive number of MJ per m³ …". Used where a
 * profile comes in from outside (`esg-sync mapping import`, the UI's import, the wizard's save).
 */
import type { z } from 'zod';
import { MappingProfileSchema, migrateProfile, ProfileError } from '../../../shared/mapping/profile';

export interface ProfileProblem {
  /** Where in the file, dotted ("shape.valueColumns.0.column"): to find it, not to read. */
  path: string;
  /** One sentence (or two) saying what is wrong and what to write instead. */
  message: string;
}

type Path = ReadonlyArray<PropertyKey>;

const quote = (v: unknown): string => (typeof v === 'string' ? `"${v}"` : String(v));

function orList(values: readonly unknown[]): string {
  const q = values.map(quote);
  return q.length <= 1 ? (q[0] ?? '') : `${q.slice(0, -1).join(', ')} or ${q[q.length - 1]}`;
}

const ENTITY_WORD = 'site';

/** The thing a path points at, as a noun phrase ("The date format"). */
function subject(path: Path): string {
  const p = path.map(String);
  const [a, b, c, d] = p;
  const nth = (i: string | undefined) => (i !== undefined && /^\d+$/.test(i) ? ` ${Number(i) + 1}` : '');
  switch (a) {
    case 'schemaVersion':
      return 'The profile schema version';
    case 'version':
      return "The mapping's version number";
    case 'id':
      return "The mapping's id";
    case 'name':
      return "The mapping's name";
    case 'description':
      return 'The description';
    case 'sourceId':
      return 'The source (a source name or id on this agent)';
    case 'connectionId':
      return 'The connection (a connection name or id on this agent)';
    case 'shape':
      if (b === 'kind') return "The file's shape";
      if (b === 'valueColumn') return 'The column that holds the values';
      if (b === 'valueColumns') {
        if (c === undefined) return 'The list of value columns';
        if (d === 'column') return `Value column${nth(c)}'s column name`;
        if (d === 'metricId') return `Value column${nth(c)}'s metric`;
        if (d === 'unit') return `Value column${nth(c)}'s unit`;
        if (d === 'period') return `Value column${nth(c)}'s period`;
        return `Value column${nth(c)}`;
      }
      return "The file's shape";
    case 'metric':
      if (b === 'kind') return 'How the metric is chosen';
      if (b === 'metricId') return 'The metric';
      if (b === 'column') return 'The metric column';
      if (b === 'valueMap') return c !== undefined ? `The metric the value ${quote(c)} maps to` : "The metric column's value map";
      if (b === 'unknownMetric') return 'What happens to a metric code that is not mapped';
      return 'The metric';
    case 'entity':
      if (b === 'kind') return `How the ${ENTITY_WORD} is chosen`;
      if (b === 'entityId') return `The ${ENTITY_WORD}`;
      if (b === 'column') return `The ${ENTITY_WORD} column`;
      if (b === 'valueMap') return c !== undefined ? `The ${ENTITY_WORD} the value ${quote(c)} maps to` : `The ${ENTITY_WORD} column's value map`;
      if (b === 'unknownEntity') return `What happens to a ${ENTITY_WORD} code that is not mapped`;
      if (b === 'label') return `The word for a ${ENTITY_WORD}`;
      return `The ${ENTITY_WORD}`;
    case 'period':
      if (b === 'kind') return 'How the reporting period is read';
      if (b === 'format') return 'The date format';
      if (b === 'granularity') return 'The period length';
      if (b === 'fiscalYearStartMonth') return 'The first month of the financial year';
      if (b === 'fiscalYearLabel') return 'How a financial year is named';
      if (b === 'start') return "The period's start date";
      if (b === 'end') return "The period's end date";
      if (b) return `The period's ${b} setting`;
      return 'The reporting period';
    case 'unit':
      if (b === 'kind') return 'How the unit is chosen';
      if (b === 'unit') return 'The unit';
      if (b === 'column') return 'The unit column';
      if (b === 'valueMap') return c !== undefined ? `The unit the value ${quote(c)} maps to` : "The unit column's value map";
      return 'The unit';
    case 'comment':
      return 'The comment column';
    case 'evidence':
      return 'The evidence column';
    case 'read':
      if (b === 'headerRow') return 'The header row';
      if (b === 'headerRows') return 'How many rows the column names span';
      if (b === 'sheet') return 'The sheet';
      return 'The "read" section';
    case 'constants':
      return b !== undefined ? `The constant ${quote(b)}` : 'The constants';
    case 'transforms':
      if (b === 'calorificValueMJPerM3') return 'The calorific value';
      if (b === 'trim') return 'Trimming of cells';
      if (b === 'number') {
        if (c === 'decimal') return 'The decimal separator';
        if (c === 'thousands') return 'The thousands separator';
        if (c === 'parenthesesNegative') return 'Reading (123) as a negative number';
        if (c === 'percent') return 'How a percentage is read';
        return 'The number format';
      }
      return 'The transforms';
    case 'filters':
      if (b === 'skipWhen') return c !== undefined ? `Skip rule${nth(c)}${d === 'matches' ? "'s pattern" : d === 'column' ? "'s column" : ''}` : 'The skip rules';
      if (b === 'skipBlankRows') return 'Skipping blank rows';
      if (b === 'skipBlankValues') return 'Skipping blank values';
      return 'The filters';
    case 'naturalKey':
      return 'The natural key';
    case 'sameKeyRows':
      return 'What happens to rows with the same metric, site and period';
    case 'headerFingerprint':
      return "The saved header fingerprint (remove it and the wizard's next save writes a new one)";
    case 'createdAt':
    case 'updatedAt':
      return `The ${a === 'createdAt' ? 'creation' : 'update'} time`;
    default:
      return p.length ? `The setting "${p.join('.')}"` : 'The mapping';
  }
}

const KIND_WORDS: Record<string, string> = {
  string: 'text in quotes',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list in [ ]',
  object: 'an object in { }',
  record: 'an object in { }',
  null: 'null',
  undefined: 'nothing',
  nan: 'not a number',
};
const kindWord = (k: string | undefined): string => (k ? (KIND_WORDS[k] ?? k) : 'another kind of value');

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** What is wrong, as the rest of a sentence that starts with the subject. */
function predicate(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type': {
      const received = /received (\w+)/.exec(issue.message)?.[1];
      if (received === 'undefined') return `is missing: give it as ${kindWord(issue.expected)}`;
      return `must be ${kindWord(issue.expected)}${received ? `, not ${kindWord(received)}` : ''}`;
    }
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') {
        if (min === 0 && !issue.inclusive) return 'must be a positive number (more than 0)';
        return issue.inclusive ? `must be ${min} or more` : `must be more than ${min}`;
      }
      if (issue.origin === 'string') return min <= 1 ? 'must not be empty' : `must be at least ${plural(min, 'character')} long`;
      if (issue.origin === 'array' || issue.origin === 'set') return `needs at least ${plural(min, 'entry', 'entries')}`;
      return `is too small (at least ${min})`;
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') return issue.inclusive ? `must be ${max} or less` : `must be less than ${max}`;
      if (issue.origin === 'string') return `must be at most ${plural(max, 'character')} long`;
      if (issue.origin === 'array' || issue.origin === 'set') return `takes at most ${plural(max, 'entry', 'entries')}`;
      return `is too big (at most ${max})`;
    }
    case 'invalid_value':
      return issue.values.length === 1 ? `must be ${quote(issue.values[0])}` : `must be one of ${orList(issue.values)}`;
    case 'invalid_union': {
      const options = (issue as { options?: unknown[] }).options;
      if (Array.isArray(options) && options.length) return `must be one of ${orList(options)}`;
      const expected = issue.errors.flatMap((branch) => branch.filter((i) => i.path.length === 0 && i.code === 'invalid_type').map((i) => kindWord((i as { expected?: string }).expected)));
      const kinds = [...new Set(expected)];
      const list = kinds.length <= 1 ? (kinds[0] ?? '') : `${kinds.slice(0, -1).join(', ')} or ${kinds[kinds.length - 1]}`;
      return expected.length === issue.errors.length && expected.length > 0 ? `must be ${list}` : 'is not in a form this app reads';
    }
    case 'unrecognized_keys':
      return `has ${issue.keys.length === 1 ? 'a setting' : 'settings'} this app does not know: ${issue.keys.map(quote).join(', ')} (a misspelling?)`;
    case 'invalid_format': {
      const format = (issue as { format?: string }).format;
      if (format === 'date') return 'must be a date written YYYY-MM-DD';
      if (format === 'regex') return 'is not in the expected form';
      return `must be a valid ${format ?? 'value'}`;
    }
    case 'custom':
      return issue.message;
    default:
      return issue.message.charAt(0).toLowerCase() + issue.message.slice(1);
  }
}

/** Some fields deserve more than the generic sentence: what the number means and where to find it. */
function special(path: string, issue: z.core.$ZodIssue): string | null {
  if (path === 'transforms.calorificValueMJPerM3') {
    return 'The calorific value must be a positive number (MJ per m³), as printed on the gas bill or given by the supplier (natural gas is typically 35 to 42); leave it out when the file has no gas volumes to turn into energy.';
  }
  if (path === 'schemaVersion' && issue.code !== 'custom') return 'This is not a version-1 mapping profile: "schemaVersion" must be 1.';
  if (/^shape\.kind$/.test(path)) {
    return 'The file\'s shape ("shape.kind") must be "long" (one value column, with "valueColumn") or "wide" (several value columns, with "valueColumns").';
  }
  return null;
}

function sentence(text: string): string {
  const t = text.trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

/** One zod issue of a profile in words, with the field's path (for finding it in the file). */
export function issueInWords(issue: z.core.$ZodIssue): ProfileProblem {
  const path = issue.path.map(String).join('.');
  const own = special(path, issue);
  if (own) return { path: path || '(profile)', message: own };
  // Refinements of the schema already speak in sentences ("Choose a metric, …").
  if (issue.code === 'custom' && /^[A-Z]/.test(issue.message)) return { path: path || '(profile)', message: sentence(`${issue.message}${path ? ` (${path})` : ''}`) };
  const where = path ? ` (${path})` : '';
  return { path: path || '(profile)', message: sentence(`${subject(issue.path)}${where} ${predicate(issue)}`) };
}

/**
 * Every problem of a profile document in words, or null when it is not a profile at all (not
 * JSON, not an object, a newer schema): ProfileError's own message says that already.
 */
export function profileProblems(input: unknown): ProfileProblem[] | null {
  let doc: unknown = input;
  if (typeof input === 'string') {
    try {
      doc = JSON.parse(input);
    } catch {
      return null;
    }
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return null;
  let migrated: Record<string, unknown>;
  try {
    migrated = migrateProfile(doc as Record<string, unknown>);
  } catch {
    return null;
  }
  const r = MappingProfileSchema.safeParse(migrated);
  if (r.success) return [];
  const seen = new Set<string>();
  return r.error.issues.map(issueInWords).filter((p) => !seen.has(p.message) && Boolean(seen.add(p.message)));
}

/** The message for a profile that does not parse: every problem as a line, in words. */
export function profileErrorInWords(err: ProfileError, input: unknown): { message: string; problems: ProfileProblem[] } {
  const problems = err.code === 'invalid_profile' ? (profileProblems(input) ?? []) : [];
  if (!problems.length) return { message: err.message, problems };
  const head = problems.length === 1 ? 'The mapping profile is not valid:' : `The mapping profile is not valid (${problems.length} problems):`;
  return { message: `${head}\n- ${problems.map((p) => p.message).join('\n- ')}`, problems };
}
