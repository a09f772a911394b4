/**
 * The mapping profile: a versioned JSON document saying how one source's table becomes platform
 * records. It is exported and imported as a file (`esg-sync mapping export|import`) and stored
 * by the engine, so it is parsed with zod wherever it enters, and older schema versions are
 * migrated forward on parse.
 */
import { z } from 'zod';
import { DATE_FORMATS } from './dates';

export const PROFILE_SCHEMA_VERSION = 1 as const;

/** Local value (as in the file) → platform id. Keys are matched trimmed and case-insensitively. */
const ValueMap = z.record(z.string(), z.string());

const ColumnName = z.string().min(1);

const Regex = z
  .object({ pattern: z.string().min(1), flags: z.string().regex(/^[imsu]*$/).default('i') })
  .refine(
    (r) => {
      try {
        new RegExp(r.pattern, r.flags);
        return true;
      } catch {
        return false;
      }
    },
    { message: 'is not a valid regular expression' },
  );

export const UnknownValuePolicy = z.enum(['hold', 'skip', 'reject']);
export type UnknownValuePolicy = z.infer<typeof UnknownValuePolicy>;

export const MetricRole = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('fixed'), metricId: z.string().min(1) }),
  z.object({
    kind: z.literal('column'),
    column: ColumnName,
    valueMap: ValueMap.default({}),
    /** Also accept a cell equal to a metric's code or name in the library. */
    matchCatalogue: z.boolean().default(true),
    unknownMetric: UnknownValuePolicy.default('reject'),
  }),
]);
export type MetricRole = z.infer<typeof MetricRole>;

export const EntityRole = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('fixed'), entityId: z.string().min(1) }),
  z.object({
    kind: z.literal('column'),
    column: ColumnName,
    valueMap: ValueMap.default({}),
    /** Also accept a cell equal to an entity's external reference or name in the platform. */
    matchCatalogue: z.boolean().default(true),
    /** A site code seen for the first time: hold the row for a person, skip it, or reject it. */
    unknownEntity: UnknownValuePolicy.default('hold'),
    /** The word the people who read errors use for an entity: site, facility, company... */
    label: z.string().min(1).default('site'),
  }),
]);
export type EntityRole = z.infer<typeof EntityRole>;

export const DateFormatSchema = z.enum(DATE_FORMATS);
export const GranularitySchema = z.enum(['month', 'quarter', 'year', 'custom']);
export type ProfileGranularity = z.infer<typeof GranularitySchema>;

const PeriodCommon = {
  /** 'custom' = a single day from a date column, or the exact range of start/end columns. */
  granularity: GranularitySchema.default('month'),
  fiscalYearStartMonth: z.number().int().min(1).max(12).default(1),
  fiscalYearLabel: z.enum(['end', 'start']).default('end'),
};

export const PeriodRole = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('date'), column: ColumnName, format: DateFormatSchema, ...PeriodCommon }),
  z.object({ kind: z.literal('range'), startColumn: ColumnName, endColumn: ColumnName, format: DateFormatSchema, ...PeriodCommon }),
  z.object({ kind: z.literal('year-month'), yearColumn: ColumnName, monthColumn: ColumnName, ...PeriodCommon }),
  /** A year column (or a constant): with monthly wide columns, the year those months belong to. */
  z.object({ kind: z.literal('year'), yearColumn: ColumnName, ...PeriodCommon }),
  z.object({ kind: z.literal('fixed'), start: z.iso.date(), end: z.iso.date(), ...PeriodCommon }),
]);
export type PeriodRole = z.infer<typeof PeriodRole>;

export const UnitRole = z.discriminatedUnion('kind', [
  /** Values are already in each metric's own unit. */
  z.object({ kind: z.literal('metric') }),
  z.object({ kind: z.literal('fixed'), unit: z.string().min(1) }),
  z.object({ kind: z.literal('column'), column: ColumnName, valueMap: ValueMap.default({}) }),
]);
export type UnitRole = z.infer<typeof UnitRole>;

export const WidePeriod = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('fixed'), start: z.iso.date(), end: z.iso.date() }),
  /** A month column ('Jan'); the year comes from the period role (year or year-month column). */
  z.object({ kind: z.literal('month'), month: z.number().int().min(1).max(12) }),
]);
export type WidePeriod = z.infer<typeof WidePeriod>;

export const WideValueColumn = z.object({
  column: ColumnName,
  /** One column per metric: this column's metric. Otherwise the metric role decides. */
  metricId: z.string().min(1).optional(),
  /** One column per month (or quarter...): this column's period. Otherwise the period role decides. */
  period: WidePeriod.optional(),
  /** This column's unit, e.g. read from its header 'Diesel (L)'. Otherwise the unit role decides. */
  unit: z.string().min(1).optional(),
});
export type WideValueColumn = z.infer<typeof WideValueColumn>;

export const Shape = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('long'), valueColumn: ColumnName }),
  z.object({ kind: z.literal('wide'), valueColumns: z.array(WideValueColumn).min(1) }),
]);
export type Shape = z.infer<typeof Shape>;

export const NumberFormat = z.object({
  decimal: z.enum(['.', ',']).default('.'),
  thousands: z.enum([',', '.', ' ', "'", '', 'auto']).default('auto'),
  parenthesesNegative: z.boolean().default(true),
  /** '12%' → 12 ('as-number', for metrics whose unit is %) or 0.12 ('as-fraction'). */
  percent: z.enum(['as-number', 'as-fraction']).default('as-number'),
});
export type NumberFormat = z.infer<typeof NumberFormat>;

export const Transforms = z.object({
  trim: z.boolean().default(true),
  number: NumberFormat.default({ decimal: '.', thousands: 'auto', parenthesesNegative: true, percent: 'as-number' }),
  /** Gas volume → energy conversion factor, as stated on the bill. */
  calorificValueMJPerM3: z.number().positive().optional(),
});
export type Transforms = z.infer<typeof Transforms>;

export const SkipRule = z.object({
  column: ColumnName,
  /** Skip the row when this column's text matches, e.g. { pattern: 'total', flags: 'i' }. */
  matches: Regex,
});
export type SkipRule = z.infer<typeof SkipRule>;

export const Filters = z.object({
  skipBlankRows: z.boolean().default(true),
  /** An empty value cell (or '-', 'n/a') produces no record rather than an error. */
  skipBlankValues: z.boolean().default(true),
  skipWhen: z.array(SkipRule).default([]),
});
export type Filters = z.infer<typeof Filters>;

/** How the file is read, where the person chose differently from the reader's own detection. */
export const ReadOptions = z
  .object({
    /** 1-based row holding the column names; title lines above it are skipped. */
    headerRow: z.number().int().min(1).max(10_000).optional(),
    /**
     * Rows the column names span from the header row: 2 reads a group row and the labels under it
     * as one header ('Consumption' over 'Quantity' is 'Consumption Quantity'); 1 reads the header
     * row alone. Left out, the reader tells from the file.
     */
    headerRows: z.number().int().min(1).max(2).optional(),
    /** A workbook's sheet, by name or 0-based position. */
    sheet: z.union([z.string().min(1).max(200), z.number().int().min(0).max(1000)]).optional(),
  })
  .strict();
export type ReadOptions = z.infer<typeof ReadOptions>;

export const NaturalKeyField = z.union([z.enum(['metric', 'entity', 'period', 'unit']), z.object({ column: ColumnName })]);
export type NaturalKeyField = z.infer<typeof NaturalKeyField>;

export const HeaderFingerprintSchema = z.object({
  algorithm: z.literal('fnv1a64-v1'),
  orderInsensitive: z.boolean(),
  value: z.string().regex(/^[0-9a-f]{16}$/),
  /** The header as saved (original spelling), for drift reports. */
  headers: z.array(z.string()),
});
export type HeaderFingerprint = z.infer<typeof HeaderFingerprintSchema>;

const ProfileV1Object = z.object({
  schemaVersion: z.literal(1),
  /** Edit counter: each saved edit of the profile is a new version. */
  version: z.number().int().min(1).default(1),
  id: z.string().min(1).optional(),
  name: z.string().trim().min(1, 'The mapping needs a name.'),
  description: z.string().optional(),
  sourceId: z.string().min(1),
  connectionId: z.string().min(1),
  shape: Shape,
  metric: MetricRole.optional(),
  entity: EntityRole,
  period: PeriodRole.optional(),
  unit: UnitRole.default({ kind: 'metric' }),
  comment: z.object({ column: ColumnName }).optional(),
  evidence: z.object({ column: ColumnName }).optional(),
  read: ReadOptions.optional(),
  /** Virtual columns with a fixed value (e.g. { Year: 2024 } for a sheet with month columns only). They win over file columns of the same name. */
  constants: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  transforms: Transforms.default({
    trim: true,
    number: { decimal: '.', thousands: 'auto', parenthesesNegative: true, percent: 'as-number' },
  }),
  filters: Filters.default({ skipBlankRows: true, skipBlankValues: true, skipWhen: [] }),
  naturalKey: z.array(NaturalKeyField).min(1).default(['metric', 'entity', 'period']),
  /**
   * Rows of one file with the same natural key: 'reject' holds them all back as duplicates; 'add'
   * adds their values up into one (the parts of one total: fuel card fill-ups, invoice lines).
   */
  sameKeyRows: z.enum(['reject', 'add']).default('reject'),
  headerFingerprint: HeaderFingerprintSchema.optional(),
  createdAt: z.string().optional(),
  updatedAt: z.string().optional(),
});

export const MappingProfileSchema = ProfileV1Object.superRefine((p, ctx) => {
  const wideCols = p.shape.kind === 'wide' ? p.shape.valueColumns : [];
  const everyColumnHasMetric = wideCols.length > 0 && wideCols.every((c) => c.metricId);
  if (!p.metric && !everyColumnHasMetric) {
    ctx.addIssue({ code: 'custom', path: ['metric'], message: 'Choose a metric, a metric column, or a metric for every value column.' });
  }
  const everyColumnHasFixedPeriod = wideCols.length > 0 && wideCols.every((c) => c.period?.kind === 'fixed');
  if (!p.period && !everyColumnHasFixedPeriod) {
    ctx.addIssue({ code: 'custom', path: ['period'], message: 'Choose how the reporting period is read (a date column, year and month, or fixed).' });
  }
  const monthColumns = wideCols.some((c) => c.period?.kind === 'month');
  if (monthColumns && p.period && p.period.kind !== 'year' && p.period.kind !== 'year-month' && p.period.kind !== 'fixed') {
    ctx.addIssue({ code: 'custom', path: ['period'], message: 'Month columns need a year: use a year column or a constant year.' });
  }
  if (monthColumns && !p.period) {
    ctx.addIssue({ code: 'custom', path: ['period'], message: 'Month columns need a year: use a year column or a constant year.' });
  }
  const seen = new Set<string>();
  for (const c of wideCols) {
    if (seen.has(c.column)) ctx.addIssue({ code: 'custom', path: ['shape', 'valueColumns'], message: `Column '${c.column}' is listed twice.` });
    seen.add(c.column);
  }
});

export type MappingProfile = z.infer<typeof MappingProfileSchema>;
/** What a person or the wizard writes; defaults are filled in by parseProfile. */
export type MappingProfileInput = z.input<typeof MappingProfileSchema>;

// ---------------------------------------------------------------- parsing and migration

export type ProfileErrorCode = 'invalid_json' | 'not_a_profile' | 'newer_schema' | 'invalid_profile' | 'migration_failed';

export class ProfileError extends Error {
  readonly code: ProfileErrorCode;
  readonly issues: string[];
  constructor(code: ProfileErrorCode, message: string, issues: string[] = []) {
    super(message);
    this.name = 'ProfileError';
    this.code = code;
    this.issues = issues;
  }
}

/** One step per old schema version: migrations[n] turns a version-n document into version n+1. */
export type ProfileMigrations = Record<number, (doc: Record<string, unknown>) => Record<string, unknown>>;

/**
 * Version 1 is the first published schema, so there is nothing to migrate yet. When version 2
 * arrives, its step goes here as `1: (doc) => ({ ...doc, schemaVersion: 2, ... })`.
 */
export const PROFILE_MIGRATIONS: ProfileMigrations = {};

/** Bring an older profile document up to `target` through the migration chain. */
export function migrateProfile(
  doc: Record<string, unknown>,
  migrations: ProfileMigrations = PROFILE_MIGRATIONS,
  target: number = PROFILE_SCHEMA_VERSION,
): Record<string, unknown> {
  let current = doc;
  const declared = current.schemaVersion;
  if (typeof declared !== 'number' || !Number.isInteger(declared) || declared < 1) {
    throw new ProfileError('not_a_profile', "This file is not a mapping profile: it has no valid 'schemaVersion'.");
  }
  let version: number = declared;
  if (version > target) {
    throw new ProfileError(
      'newer_schema',
      `This mapping was saved by a newer version of ESG Sync Agent (profile schema ${version}; this app reads up to ${target}). Update the app to open it.`,
    );
  }
  while (version < target) {
    const step = migrations[version];
    if (!step) {
      throw new ProfileError('migration_failed', `No upgrade path from mapping profile schema ${version} to ${target}.`);
    }
    current = step(current);
    const next = current.schemaVersion;
    if (typeof next !== 'number' || next !== version + 1) {
      throw new ProfileError('migration_failed', `Upgrading mapping profile schema ${version} did not produce schema ${version + 1}.`);
    }
    version = next;
  }
  return current;
}

function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(profile)'}: ${i.message}`);
}

/**
 * Parse a profile from JSON text or an already-parsed object, migrating older schema versions.
 * Throws ProfileError with every problem listed.
 */
export function parseProfile(input: unknown, migrations: ProfileMigrations = PROFILE_MIGRATIONS): MappingProfile {
  let doc: unknown = input;
  if (typeof input === 'string') {
    try {
      doc = JSON.parse(input);
    } catch (e) {
      throw new ProfileError('invalid_json', `The mapping file is not valid JSON: ${(e as Error).message}`);
    }
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new ProfileError('not_a_profile', 'This file is not a mapping profile: expected a JSON object.');
  }
  const migrated = migrateProfile(doc as Record<string, unknown>, migrations);
  const result = MappingProfileSchema.safeParse(migrated);
  if (!result.success) {
    const issues = formatIssues(result.error);
    throw new ProfileError('invalid_profile', `The mapping profile is not valid:\n- ${issues.join('\n- ')}`, issues);
  }
  return result.data;
}

/** The JSON written by `mapping export`: stable key order, defaults filled in. */
export function serialiseProfile(profile: MappingProfile): string {
  return `${JSON.stringify(MappingProfileSchema.parse(profile), null, 2)}\n`;
}

/** A copy of `profile` as its next saved version. */
export function nextVersion(profile: MappingProfile, changes: Partial<MappingProfileInput> = {}, now?: Date): MappingProfile {
  return parseProfile({
    ...profile,
    ...changes,
    schemaVersion: PROFILE_SCHEMA_VERSION,
    version: profile.version + 1,
    ...(now ? { updatedAt: now.toISOString() } : {}),
  });
}
