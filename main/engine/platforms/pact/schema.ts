/**
 * ProductFootprint validation derived from reference/pact-v2/openapi.yaml (v2.3): every field
 * the spec lists as required, with the spec's formats and bounds (UUID id, semver specVersion,
 * URN lists with ≥ 1 item, decimal strings with their sign constraints, at most one geography).
 * Unknown and optional fields pass through untouched so the export keeps everything.
 */
import { z } from 'zod';

const Urn = z.string().regex(/^([uU][rR][nN]):/, 'must be a URN (urn:...)');
const urnList = z.array(Urn).min(1, 'needs at least one entry');
const dateTime = z.iso.datetime({ offset: true });
const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a decimal number written as a string');
const nonNegativeDecimal = decimal.refine((s) => Number(s) >= 0, 'must be ≥ 0');
const positiveDecimal = decimal.refine((s) => Number(s) > 0, 'must be > 0');
const nonPositiveDecimal = decimal.refine((s) => Number(s) <= 0, 'must be ≤ 0');

export const DeclaredUnit = z.enum(['liter', 'kilogram', 'cubic meter', 'kilowatt hour', 'megajoule', 'ton kilometer', 'square meter']);

export const CarbonFootprint = z
  .looseObject({
    declaredUnit: DeclaredUnit,
    unitaryProductAmount: positiveDecimal,
    referencePeriodStart: dateTime,
    referencePeriodEnd: dateTime,
    pCfExcludingBiogenic: nonNegativeDecimal,
    pCfIncludingBiogenic: decimal.optional(),
    fossilGhgEmissions: nonNegativeDecimal,
    fossilCarbonContent: nonNegativeDecimal,
    biogenicCarbonContent: nonNegativeDecimal,
    dLucGhgEmissions: nonNegativeDecimal.optional(),
    landManagementGhgEmissions: nonNegativeDecimal.optional(),
    otherBiogenicGhgEmissions: nonNegativeDecimal.optional(),
    iLucGhgEmissions: nonNegativeDecimal.optional(),
    biogenicCarbonWithdrawal: nonPositiveDecimal.optional(),
    aircraftGhgEmissions: nonNegativeDecimal.optional(),
    packagingGhgEmissions: nonNegativeDecimal.optional(),
    characterizationFactors: z.string(),
    ipccCharacterizationFactorsSources: z.array(z.string().regex(/^AR\d+$/, 'must look like AR6')).min(1),
    crossSectoralStandardsUsed: z.array(z.enum(['GHG Protocol Product standard', 'ISO Standard 14067', 'ISO Standard 14044'])).min(1),
    boundaryProcessesDescription: z.string(),
    exemptedEmissionsPercent: z.number().min(0).max(100),
    exemptedEmissionsDescription: z.string(),
    packagingEmissionsIncluded: z.boolean(),
    geographyCountry: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code').optional(),
    geographyCountrySubdivision: z.string().regex(/^[A-Z]{2}-[A-Z0-9]{1,3}$/, 'must be an ISO 3166-2 code').optional(),
    geographyRegionOrSubregion: z.string().optional(),
    primaryDataShare: z.number().min(0).max(100).optional(),
  })
  .refine(
    (p) => [p.geographyCountry, p.geographyCountrySubdivision, p.geographyRegionOrSubregion].filter((g) => g !== undefined).length <= 1,
    { message: 'at most one of geographyRegionOrSubregion, geographyCountry, geographyCountrySubdivision may be set' },
  );

export const ProductFootprint = z.looseObject({
  id: z.uuid({ message: 'must be a UUID' }),
  specVersion: z.string().regex(/^\d+\.\d+\.\d+(-\d{8})?$/, 'must be a version like 2.3.0'),
  precedingPfIds: z.array(z.uuid()).min(1).optional(),
  version: z.number().int().min(0),
  created: dateTime,
  updated: dateTime.optional(),
  status: z.enum(['Active', 'Deprecated']),
  statusComment: z.string().optional(),
  validityPeriodStart: dateTime.optional(),
  validityPeriodEnd: dateTime.optional(),
  companyName: z.string().min(1),
  companyIds: urnList,
  productDescription: z.string(),
  productIds: urnList,
  productCategoryCpc: z.string().min(1),
  productNameCompany: z.string().min(1),
  comment: z.string(),
  pcf: CarbonFootprint,
  extensions: z.array(z.looseObject({ specVersion: z.string(), dataSchema: z.string(), data: z.record(z.string(), z.unknown()) })).optional(),
});
export type ProductFootprint = z.infer<typeof ProductFootprint>;

/** The list/get envelopes: `data` must be there; each footprint is validated one by one. */
export const ListFootprintsResponse = z.looseObject({ data: z.array(z.unknown()) });
export const GetFootprintResponse = z.looseObject({ data: z.unknown() });

/**
 * "pcf.referencePeriodStart: Invalid ISO datetime" style lines, for people: the field's path, a
 * colon, what is wrong. A required field that is absent says "is missing" rather than the type it
 * should have had.
 */
export function validateFootprint(value: unknown): { ok: true; footprint: ProductFootprint } | { ok: false; errors: string[] } {
  const r = ProductFootprint.safeParse(value);
  if (r.success) return { ok: true, footprint: r.data };
  return {
    ok: false,
    errors: r.error.issues.map((i) => `${i.path.map(String).join('.') || '(footprint)'}: ${i.path.length > 0 && isAbsent(value, i.path) ? 'is missing' : i.message}`),
  };
}

/** Whether the last key of `path` is absent from an object that is there (a missing field, not a wrong one). */
function isAbsent(value: unknown, path: readonly PropertyKey[]): boolean {
  let v: unknown = value;
  for (const key of path.slice(0, -1)) {
    if (v === null || typeof v !== 'object') return false;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v !== null && typeof v === 'object' && !Array.isArray(v) && (v as Record<PropertyKey, unknown>)[path[path.length - 1]!] === undefined;
}

/** One validation line ("pcf.declaredUnit: is missing") split into the field and what is wrong with it. */
export function splitValidationError(line: string): { field: string | null; problem: string } {
  const at = line.indexOf(': ');
  if (at < 0) return { field: null, problem: line };
  const field = line.slice(0, at);
  return { field: field === '(footprint)' ? null : field, problem: line.slice(at + 2) };
}
