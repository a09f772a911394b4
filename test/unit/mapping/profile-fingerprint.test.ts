import { describe, expect, it } from 'vitest';
import { columnsUsedBy, describeDrift, detectDrift, findProfileForHeader, headerFingerprint, headerLooksLikeData, matchesFingerprint } from '../../../shared/mapping/fingerprint';
import {
  migrateProfile,
  nextVersion,
  parseProfile,
  ProfileError,
  serialiseProfile,
  type MappingProfileInput,
} from '../../../shared/mapping/profile';

const HEADERS = ['Site', 'Month', 'Electricity (kWh)', 'Gas (m³)', 'Comment'];

const input: MappingProfileInput = {
  schemaVersion: 1,
  name: 'Monthly utilities',
  sourceId: 'src-utilities',
  connectionId: 'conn-sandbox',
  shape: {
    kind: 'wide',
    valueColumns: [
      { column: 'Electricity (kWh)', metricId: 'm-elec', unit: 'kWh' },
      { column: 'Gas (m³)', metricId: 'm-gas', unit: 'm3' },
    ],
  },
  entity: { kind: 'column', column: 'Site', valueMap: { 'LDN-9': 'e-ldn' } },
  period: { kind: 'date', column: 'Month', format: 'MMM YYYY' },
  comment: { column: 'Comment' },
  transforms: { number: { decimal: ',' }, calorificValueMJPerM3: 38.2 },
  headerFingerprint: headerFingerprint(HEADERS),
};

function expectProfileError(fn: () => unknown, code: string, message?: RegExp): void {
  try {
    fn();
    expect.unreachable('expected a ProfileError');
  } catch (e) {
    expect(e).toBeInstanceOf(ProfileError);
    expect((e as ProfileError).code).toBe(code);
    if (message) expect((e as ProfileError).message).toMatch(message);
  }
}

describe('mapping profile schema', () => {
  it('fills defaults and round-trips through its JSON export', () => {
    const p = parseProfile(input);
    expect(p.version).toBe(1);
    expect(p.naturalKey).toEqual(['metric', 'entity', 'period']);
    expect(p.filters).toEqual({ skipBlankRows: true, skipBlankValues: true, skipWhen: [] });
    expect(p.transforms.number).toEqual({ decimal: ',', thousands: 'auto', parenthesesNegative: true, percent: 'as-number' });
    expect(p.entity).toMatchObject({ unknownEntity: 'hold', label: 'site', matchCatalogue: true });
    expect(p.period).toMatchObject({ granularity: 'month', fiscalYearStartMonth: 1 });
    const json = serialiseProfile(p);
    expect(parseProfile(json)).toEqual(p);
    expect(serialiseProfile(parseProfile(json))).toBe(json);
  });

  it('saves a new version with changes', () => {
    const p = parseProfile(input);
    const v2 = nextVersion(p, { name: 'Monthly utilities (v2)' }, new Date('2024-06-01T00:00:00Z'));
    expect(v2.version).toBe(2);
    expect(v2.name).toBe('Monthly utilities (v2)');
    expect(v2.updatedAt).toBe('2024-06-01T00:00:00.000Z');
  });

  it('rejects bad JSON, non-objects and missing schema versions', () => {
    expectProfileError(() => parseProfile('{not json'), 'invalid_json', /not valid JSON/);
    expectProfileError(() => parseProfile('[1,2]'), 'not_a_profile');
    expectProfileError(() => parseProfile({ name: 'x' }), 'not_a_profile', /schemaVersion/);
  });

  it('refuses a profile from a newer app with an instruction', () => {
    expectProfileError(() => parseProfile({ ...input, schemaVersion: 7 }), 'newer_schema', /newer version of ESG Sync Agent.*Update the app/);
  });

  it('lists every problem of an invalid profile', () => {
    try {
      parseProfile({ ...input, name: ' ', shape: { kind: 'long', valueColumn: 'kWh' }, period: undefined, filters: { skipWhen: [{ column: 'Site', matches: { pattern: '(' } }] } });
      expect.unreachable();
    } catch (e) {
      expect((e as ProfileError).code).toBe('invalid_profile');
      const issues = (e as ProfileError).issues.join('\n');
      expect(issues).toMatch(/name: The mapping needs a name/);
      expect(issues).toMatch(/not a valid regular expression/);
      expect(issues).toMatch(/metric: Choose a metric/);
      expect(issues).toMatch(/period: Choose how the reporting period is read/);
    }
  });

  it('requires a year for month-only wide columns', () => {
    expectProfileError(
      () =>
        parseProfile({
          ...input,
          shape: { kind: 'wide', valueColumns: [{ column: 'Jan', period: { kind: 'month', month: 1 } }] },
          metric: { kind: 'fixed', metricId: 'm-elec' },
        }),
      'invalid_profile',
      /Month columns need a year/,
    );
  });

  it('migrates older schema versions through the chain, step by step', () => {
    // A hypothetical schema 0 → 1 step, to exercise the chain the way a real v1 → v2 upgrade will.
    const migrations = {
      1: (doc: Record<string, unknown>) => ({ ...doc, schemaVersion: 2, renamed: true }),
    };
    expect(migrateProfile({ schemaVersion: 1, a: 1 }, migrations, 2)).toEqual({ schemaVersion: 2, a: 1, renamed: true });
    expectProfileError(() => migrateProfile({ schemaVersion: 1 }, {}, 2), 'migration_failed');
    expectProfileError(() => migrateProfile({ schemaVersion: 1 }, { 1: (d) => ({ ...d, schemaVersion: 3 }) }, 2), 'migration_failed');
    // Current documents pass through unchanged.
    expect(migrateProfile({ schemaVersion: 1, x: 1 })).toEqual({ schemaVersion: 1, x: 1 });
  });
});

describe('header fingerprint', () => {
  it('ignores case, spacing, underscores and Unicode forms, but not order unless asked', () => {
    const fp = headerFingerprint(HEADERS);
    expect(matchesFingerprint(fp, ['site', ' Month ', 'ELECTRICITY  (kWh)', 'Gas (m3)', 'Comment'])).toBe(true);
    expect(matchesFingerprint(fp, ['Month', 'Site', 'Electricity (kWh)', 'Gas (m³)', 'Comment'])).toBe(false);
    const loose = headerFingerprint(HEADERS, { orderInsensitive: true });
    expect(matchesFingerprint(loose, ['Month', 'Site', 'Electricity (kWh)', 'Gas (m³)', 'Comment'])).toBe(true);
    expect(matchesFingerprint(fp, [...HEADERS, 'Extra'])).toBe(false);
    expect(headerFingerprint(['a_b']).value).toBe(headerFingerprint(['A B']).value);
    expect(headerFingerprint(['ab', 'c']).value).not.toBe(headerFingerprint(['a', 'bc']).value);
  });

  it('finds the saved profile for a file by its header', () => {
    const p = parseProfile(input);
    const other = parseProfile({ ...input, name: 'other', headerFingerprint: headerFingerprint(['X']) });
    expect(findProfileForHeader([other, p], HEADERS)?.name).toBe('Monthly utilities');
    expect(findProfileForHeader([other, p], ['Y'])).toBeNull();
  });
});

describe('drift', () => {
  const profile = parseProfile(input);

  it('reports no drift for the same header', () => {
    const d = detectDrift(profile, HEADERS);
    expect(d.hasDrift).toBe(false);
    expect(describeDrift(d)).toMatch(/same columns/);
  });

  it('reports missing, added and renamed columns separately', () => {
    const d = detectDrift(profile, ['Site', 'Month', 'Electricity consumption (kWh)', 'Water (m³)', 'Invoice no.']);
    expect(d.renamed).toEqual([{ from: 'Electricity (kWh)', to: 'Electricity consumption (kWh)', similarity: expect.any(Number) }]);
    expect(d.missing.sort()).toEqual(['Comment', 'Gas (m³)']);
    expect(d.added.sort()).toEqual(['Invoice no.', 'Water (m³)']);
    expect(d.affectsMapping.sort()).toEqual(['Comment', 'Electricity (kWh)', 'Gas (m³)']);
    expect(d.hasDrift).toBe(true);
    expect(describeDrift(d)).toMatch(/renamed 'Electricity \(kWh\)' → 'Electricity consumption \(kWh\)'.*Nothing was sent/);
  });

  it('says a first row of data is not new column names (a file without header, or the rest of one taken too early)', () => {
    const rest = ['LON-01', '2024-03', '3'];
    const d = detectDrift(profile, rest);
    expect(d.hasDrift).toBe(true);
    const said = describeDrift(d, rest);
    expect(said).toMatch(/^The file's first row looks like data, not column names \('LON-01', '2024-03', '3'\)\. Nothing was sent\./);
    expect(said).toMatch(/Do not change the mapping to these names\.$/);
    // Real renamed columns are still reported as such.
    const renamed = ['Site', 'Month', 'Electricity consumption (kWh)', 'Water (m³)'];
    expect(describeDrift(detectDrift(profile, renamed), renamed)).toMatch(/^The file's columns changed since the mapping was saved/);
    // A database source says what its rows come from.
    expect(describeDrift(detectDrift(profile, renamed), renamed, 'table')).toMatch(/^The table's columns changed since the mapping was saved/);
    expect(describeDrift(detectDrift(profile, renamed), renamed, 'query')).toMatch(/^The query result's columns changed since the mapping was saved/);
    expect(describeDrift(d, rest, 'table')).toMatch(/^The table's columns changed/);
    // A header of month columns that gained a month is still a header.
    const months = ['Site', 'Month', 'Electricity (kWh)', 'Gas (m³)', 'Comment', '2024-01', '2024-02', '2024-03', '2024-04', '2024-05', '2024-06', '2024-07'];
    expect(describeDrift(detectDrift(profile, months), months)).toMatch(/^The file's columns changed since the mapping was saved: new columns/);
    expect(headerLooksLikeData(['12,5', '01/02/2024', 'Total'])).toBe(true);
    expect(headerLooksLikeData(['Site', '2024', 'kWh'])).toBe(false);
  });

  it('reports a new column alone as drift that does not affect the mapping', () => {
    const d = detectDrift(profile, [...HEADERS, 'Meter ID']);
    expect(d).toMatchObject({ missing: [], added: ['Meter ID'], renamed: [], affectsMapping: [], hasDrift: true });
  });

  it('reports reordering for order-sensitive fingerprints only', () => {
    const reordered = ['Month', 'Site', 'Electricity (kWh)', 'Gas (m³)', 'Comment'];
    expect(detectDrift(profile, reordered)).toMatchObject({ reordered: true, hasDrift: true });
    const loose = parseProfile({ ...input, headerFingerprint: headerFingerprint(HEADERS, { orderInsensitive: true }) });
    expect(detectDrift(loose, reordered).hasDrift).toBe(false);
  });

  it('without a saved header, checks the columns the mapping reads', () => {
    const noFp = parseProfile({ ...input, headerFingerprint: undefined });
    expect(columnsUsedBy(noFp).sort()).toEqual(['Comment', 'Electricity (kWh)', 'Gas (m³)', 'Month', 'Site']);
    const d = detectDrift(noFp, ['Site', 'Month', 'Electricity (kWh)', 'Gas (m³)', 'Notes', 'Unused']);
    expect(d.added).toEqual([]);
    expect(d.missing).toEqual(['Comment']);
    expect(d.renamed).toEqual([]);
  });
});
