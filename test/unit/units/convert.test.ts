import { describe, expect, it } from 'vitest';
import { canConvert, conversionNeed, convert, lookupUnit, normaliseUnit, UnitError, UNITS } from '../../../shared/units';

/** Relative comparison: factors are checked to 12 significant digits. */
function expectClose(actual: number, expected: number): void {
  expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThan(1e-12);
}

// Each case: [value, from, to, expected, authority]. The expected values are computed by hand
// from the cited definition, not from the table under test.
const CASES: Array<[number, string, string, number, string]> = [
  // Energy — SI: 1 W·h = 3600 J (W = J/s); prefixes per SI Brochure 9th ed.
  [1, 'Wh', 'J', 3600, 'SI: 1 Wh = 3600 J'],
  [1, 'kWh', 'MJ', 3.6, 'SI: 1 kWh = 3.6 MJ'],
  [1, 'MWh', 'kWh', 1000, 'SI prefix: 1 MWh = 1000 kWh'],
  [1, 'GWh', 'MWh', 1000, 'SI prefix: 1 GWh = 1000 MWh'],
  [2.5, 'GWh', 'TJ', 9, 'SI: 1 GWh = 3.6 TJ'],
  [1, 'kJ', 'J', 1000, 'SI prefix kilo = 10^3'],
  [1, 'GJ', 'MJ', 1000, 'SI prefix: giga/mega = 10^3'],
  [1, 'TJ', 'GJ', 1000, 'SI prefix: tera/giga = 10^3'],
  [1, 'GJ', 'kWh', 1e9 / 3.6e6, 'SI: 1 GJ = 277.777… kWh'],
  [1, 'therm', 'MJ', 105.4804, 'NIST SP 811 B.8: therm (U.S.) = 1.054804E+08 J'],
  [1, 'therm (EC)', 'MJ', 105.506, 'NIST SP 811 B.8: therm (EC) = 1.05506E+08 J'],
  [100, 'therms', 'kWh', (100 * 105.4804e6) / 3.6e6, 'NIST SP 811: 100 therm (U.S.) = 2930.01 kWh'],
  [1, 'BTU', 'J', 1055.05585262, 'NIST SP 811 B.8: Btu (IT) = 1.05505585262E+03 J'],
  [1, 'MMBtu', 'GJ', 1.05505585262, 'NIST SP 811: 1 MMBtu = 10^6 Btu (IT) = 1.05505585262 GJ'],
  [1, 'MMBtu', 'kWh', 1055.05585262e6 / 3.6e6, 'NIST SP 811: 1 MMBtu = 293.071 kWh'],
  [1, 'kBtu', 'BTU', 1000, 'kBtu = 10^3 Btu (IT)'],
  [1, 'Dth', 'therm', 10, 'dekatherm = 10 therm (U.S.)'],
  // Volume — SI: 1 L = 1 dm³ = 10^-3 m³ (CGPM 1964).
  [1, 'm3', 'L', 1000, 'SI: 1 m³ = 1000 L'],
  [1, 'L', 'mL', 1000, 'SI prefix milli'],
  [2500, 'mL', 'L', 2.5, 'SI prefix milli'],
  [1, 'ML', 'm3', 1000, 'SI: 1 megalitre = 1000 m³'],
  [1, 'gal (US)', 'L', 3.785411784, 'NIST SP 811 B.8: gallon (U.S.) = 231 in³ = 3.785411784 L'],
  [1, 'gal (UK)', 'L', 4.54609, 'NIST SP 811 B.8 / UK Weights and Measures Act 1985: gallon (UK) = 4.54609 L'],
  [10, 'US gallons', 'm3', 0.03785411784, 'NIST SP 811: gallon (U.S.) = 3.785411784E-03 m³'],
  [1, 'ft3', 'm3', 0.028316846592, 'NIST SP 811 B.8: cubic foot = 0.3048³ m³'],
  [1, 'Mcf', 'm3', 28.316846592, 'gas industry: Mcf = 1000 ft³'],
  [1, 'bbl', 'L', 158.987294928, 'NIST SP 811 B.8: barrel (petroleum, 42 gal U.S.) = 1.589873E-01 m³'],
  // Mass — SI, and the international yard and pound agreement (1959): 1 lb = 0.45359237 kg.
  [1, 'kg', 'g', 1000, 'SI prefix kilo'],
  [1, 't', 'kg', 1000, 'SI Brochure Table 8: tonne = 1000 kg'],
  [0.3, 'kg', 'g', 300, 'SI prefix kilo (no float dust)'],
  [1, 'lb', 'kg', 0.45359237, 'NIST SP 811 B.8: pound (avoirdupois) = 0.45359237 kg (exact)'],
  [1, 'short ton', 'kg', 907.18474, 'NIST SP 811 B.8: ton, short (2000 lb) = 9.0718474E+02 kg'],
  [1, 'long ton', 'kg', 1016.0469088, 'NIST SP 811 B.8: ton, long (2240 lb) = 1.0160469088E+03 kg'],
  [1, 'short ton', 't', 0.90718474, 'NIST SP 811: short ton = 0.90718474 t'],
  [2204.62262184878, 'lb', 't', 1, 'NIST SP 811: 1 t = 2204.62262… lb'],
  // Distance — international mile (1959) = 1609.344 m exactly.
  [1, 'km', 'm', 1000, 'SI prefix kilo'],
  [1, 'mi', 'm', 1609.344, 'NIST SP 811 B.8: mile (international) = 1.609344E+03 m'],
  [100, 'miles', 'km', 160.9344, 'NIST SP 811: 100 mi = 160.9344 km'],
  // Emissions — mass of CO2-equivalent: SI prefixes on the gram.
  [1, 'tCO2e', 'kgCO2e', 1000, 'SI: 1 t = 1000 kg'],
  [1500, 'kg CO2e', 'tCO2e', 1.5, 'SI: 1 t = 1000 kg'],
  [1, 'ktCO2e', 'tCO2e', 1000, 'SI prefix kilo'],
  [1, 'kgCO2e', 'gCO2e', 1000, 'SI prefix kilo'],
  [1, 'TWh', 'GWh', 1000, 'SI prefix: tera/giga = 10^3'],
  [1, 'ccf', 'ft3', 100, 'gas industry: ccf = 100 ft³'],
  [1, 'kL', 'L', 1000, 'SI prefix kilo'],
  // Ratios.
  [12.5, '%', 'fraction', 0.125, 'percent = 1/100'],
];

describe('convert: each factor against its authority', () => {
  for (const [value, from, to, expected, authority] of CASES) {
    it(`${value} ${from} → ${to} = ${expected} (${authority})`, () => {
      expectClose(convert(value, from, to), expected);
      // and back again
      expectClose(convert(expected, to, from), value);
    });
  }

  it('returns exact round numbers for decimal prefixes (0.3 kg is 300 g, not 299.99999999999994)', () => {
    expect(convert(0.3, 'kg', 'g')).toBe(300);
    expect(convert(1.1, 'MWh', 'kWh')).toBe(1100);
  });

  it('covers every unit in the table (count only converts to itself)', () => {
    const covered = new Set(CASES.flatMap(([, from, to]) => [normaliseUnit(from), normaliseUnit(to)]));
    const uncovered = UNITS.map((u) => u.id).filter((id) => !covered.has(id));
    expect(uncovered).toEqual(['count']);
    expect(convert(7, 'incidents', 'count')).toBe(7);
    expect(canConvert('people', 'count')).toBe(true);
  });
});

describe('gas volume to energy needs a stated calorific value', () => {
  it('refuses m³ → kWh without a calorific value, saying what to enter', () => {
    try {
      convert(100, 'm3', 'kWh');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(UnitError);
      expect((e as UnitError).code).toBe('calorific_value_required');
      expect((e as UnitError).message).toMatch(/calorific value in MJ per m³/);
    }
    expect(canConvert('m3', 'kWh')).toBe(false);
    expect(conversionNeed('m3', 'kWh')).toBe('calorific-value');
  });

  it('converts with a calorific value: 100 m³ × 39 MJ/m³ = 3900 MJ = 1083.33 kWh', () => {
    expect(canConvert('m3', 'kWh', { calorificValueMJPerM3: 39 })).toBe(true);
    expectClose(convert(100, 'm3', 'kWh', { calorificValueMJPerM3: 39 }), 3900 / 3.6);
    expectClose(convert(100, 'm3', 'MJ', { calorificValueMJPerM3: 39 }), 3900);
    // ft³ of gas: 1000 ft³ = 28.316846592 m³
    expectClose(convert(1, 'Mcf', 'GJ', { calorificValueMJPerM3: 38 }), (28.316846592 * 38) / 1000);
    // and back: energy → volume
    expectClose(convert(3900, 'MJ', 'm3', { calorificValueMJPerM3: 39 }), 100);
  });

  it('rejects a zero or negative calorific value', () => {
    expect(() => convert(1, 'm3', 'kWh', { calorificValueMJPerM3: 0 })).toThrow(/calorific value/);
    expect(canConvert('m3', 'kWh', { calorificValueMJPerM3: -3 })).toBe(false);
  });
});

describe('incompatible and unknown units', () => {
  it('refuses kg → kWh with both dimensions named', () => {
    expect(() => convert(1, 'kg', 'kWh')).toThrow(/kg \(mass\) cannot be converted to kWh \(energy\)/);
    expect(canConvert('kg', 'kWh')).toBe(false);
  });
  it('keeps CO2e apart from plain mass', () => {
    expect(canConvert('t', 'tCO2e')).toBe(false);
    expect(normaliseUnit('tCO2')).toBeNull();
  });
  it('refuses unknown units', () => {
    expect(() => convert(1, 'furlong', 'm')).toThrow(UnitError);
    expect(lookupUnit('furlong')).toMatchObject({ ok: false, reason: 'unknown' });
  });
  it('refuses non-finite values', () => {
    expect(() => convert(Number.NaN, 'kg', 'g')).toThrow(/not a finite number/);
  });
});

describe('normaliseUnit: aliases', () => {
  const ALIASES: Array<[string, string]> = [
    ['kwh', 'kWh'],
    ['KWh', 'kWh'],
    ['KWH', 'kWh'],
    ['kW h', 'kWh'],
    ['(kWh)', 'kWh'],
    ['[MWh]', 'MWh'],
    ['mwh', 'MWh'],
    ['m³', 'm3'],
    ['M3', 'm3'],
    ['cubic metres', 'm3'],
    ['Kubikmeter', 'm3'],
    ['litres', 'L'],
    ['Liter', 'L'],
    ['ltr', 'L'],
    ['l', 'L'],
    ['ml', 'mL'],
    ['tonnes', 't'],
    ['Tonnen', 't'],
    ['metric tons', 't'],
    ['MT', 't'],
    ['lbs', 'lb'],
    ['t CO2e', 'tCO2e'],
    ['tCO₂e', 'tCO2e'],
    ['t CO2-eq', 'tCO2e'],
    ['tonnes CO2e', 'tCO2e'],
    ['kg CO2e', 'kgCO2e'],
    ['kgCO2eq', 'kgCO2e'],
    ['MMBTU', 'MMBtu'],
    ['Btu', 'BTU'],
    ['therms', 'therm'],
    ['US gal', 'gal_US'],
    ['imp gal', 'gal_UK'],
    ['miles', 'mi'],
    ['percent', '%'],
    ['#', 'count'],
    ['in kWh', 'kWh'],
  ];
  for (const [input, expected] of ALIASES) {
    it(`'${input}' → ${expected}`, () => expect(normaliseUnit(input)).toBe(expected));
  }

  // Ambiguous spellings are refused with the choices, because a wrong guess shifts a figure by 10–20 %.
  const AMBIGUOUS = ['gal', 'gallons', 'ton', 'tons', 'Mt', 'MBtu', 'Ml'];
  for (const input of AMBIGUOUS) {
    it(`'${input}' is ambiguous and explained`, () => {
      const r = lookupUnit(input);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.reason).toBe('ambiguous');
        expect(r.message.length).toBeGreaterThan(20);
      }
      expect(normaliseUnit(input)).toBeNull();
    });
  }

  it('treats an empty unit as empty, not unknown', () => {
    expect(lookupUnit('  ')).toMatchObject({ ok: false, reason: 'empty' });
    expect(normaliseUnit(null)).toBeNull();
  });
});
