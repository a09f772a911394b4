/**
 * The unit table: every unit an ESG feed is likely to carry, each with its dimension and its
 * factor to that dimension's base unit (J, m³, kg, m, kgCO2e, count, fraction).
 *
 * Factors come from SI definitions and NIST SP 811 (Appendix B). Where a unit name is used for
 * more than one quantity in the wild (US vs UK gallon, short vs long vs metric "ton", "Mt",
 * "MBtu"), the bare name is listed in AMBIGUOUS_UNITS instead of being guessed: a wrong guess
 * here silently changes a reported figure by 10–20 %, which is worse than asking.
 */

export type Dimension = 'energy' | 'volume' | 'mass' | 'distance' | 'emissions' | 'count' | 'ratio';

export interface UnitDef {
  /** Canonical symbol; what normaliseUnit returns. */
  id: string;
  dimension: Dimension;
  /** Multiply a value in this unit by `factor` to get the dimension's base unit. */
  factor: number;
  /** Human name, for messages and the wizard's unit picker. */
  name: string;
  /** Other spellings accepted (matched exactly first, then case-insensitively). */
  aliases: string[];
}

export const BASE_UNITS: Record<Dimension, string> = {
  energy: 'J',
  volume: 'm3',
  mass: 'kg',
  distance: 'm',
  emissions: 'kgCO2e',
  count: 'count',
  ratio: 'fraction',
};

// NIST SP 811 B.8: British thermal unit (International Table) = 1.055 055 852 62 E+03 J (exact by definition).
const BTU_IT_J = 1055.05585262;
// NIST SP 811 B.8: therm (U.S.) = 1.054 804 E+08 J; therm (EC) = 1.055 06 E+08 J.
const THERM_US_J = 105480400;
const THERM_EC_J = 105506000;
// NIST SP 811 B.8: gallon (U.S.) = 3.785 412 E-03 m³ (exactly 231 in³ = 3.785411784 L); gallon (UK) = 4.54609 L (exact).
const GAL_US_M3 = 0.003785411784;
const GAL_UK_M3 = 0.00454609;
// NIST SP 811 B.8: cubic foot = 2.831 685 E-02 m³ (exactly 0.3048³ = 0.028316846592).
const FT3_M3 = 0.028316846592;
// NIST SP 811 B.8: barrel (for petroleum, 42 U.S. gal) = 1.589 873 E-01 m³.
const BBL_M3 = 42 * GAL_US_M3;
// NIST SP 811 B.8: pound (avoirdupois) = 4.535 924 E-01 kg (exactly 0.45359237).
const LB_KG = 0.45359237;
// NIST SP 811 B.8: ton, short (2000 lb) = 9.071 847 E+02 kg; ton, long (2240 lb) = 1.016 047 E+03 kg.
const SHORT_TON_KG = 2000 * LB_KG;
const LONG_TON_KG = 2240 * LB_KG;
// NIST SP 811 B.8: mile (international) = 1.609 344 E+03 m (exact).
const MILE_M = 1609.344;

export const UNITS: readonly UnitDef[] = [
  // ---------------------------------------------------------------- energy (base J)
  { id: 'J', dimension: 'energy', factor: 1, name: 'joule', aliases: ['joule', 'joules'] },
  { id: 'kJ', dimension: 'energy', factor: 1e3, name: 'kilojoule', aliases: ['kilojoule', 'kilojoules'] },
  { id: 'MJ', dimension: 'energy', factor: 1e6, name: 'megajoule', aliases: ['megajoule', 'megajoules'] },
  { id: 'GJ', dimension: 'energy', factor: 1e9, name: 'gigajoule', aliases: ['gigajoule', 'gigajoules'] },
  { id: 'TJ', dimension: 'energy', factor: 1e12, name: 'terajoule', aliases: ['terajoule', 'terajoules'] },
  { id: 'Wh', dimension: 'energy', factor: 3600, name: 'watt-hour', aliases: ['watt hour', 'watt hours', 'watt-hour', 'watt-hours'] },
  {
    id: 'kWh',
    dimension: 'energy',
    factor: 3.6e6,
    name: 'kilowatt-hour',
    aliases: ['kW h', 'kW·h', 'kW.h', 'kilowatt hour', 'kilowatt hours', 'kilowatt-hour', 'kilowatt-hours', 'kilowattstunden', 'kilowattstunde'],
  },
  {
    id: 'MWh',
    dimension: 'energy',
    factor: 3.6e9,
    name: 'megawatt-hour',
    aliases: ['MW h', 'MW·h', 'megawatt hour', 'megawatt hours', 'megawatt-hour', 'megawatt-hours', 'megawattstunden'],
  },
  { id: 'GWh', dimension: 'energy', factor: 3.6e12, name: 'gigawatt-hour', aliases: ['gigawatt hour', 'gigawatt hours', 'gigawatt-hour', 'gigawatt-hours'] },
  { id: 'TWh', dimension: 'energy', factor: 3.6e15, name: 'terawatt-hour', aliases: ['terawatt hour', 'terawatt hours'] },
  { id: 'BTU', dimension: 'energy', factor: BTU_IT_J, name: 'British thermal unit (IT)', aliases: ['Btu', 'btu', 'BTU (IT)', 'British thermal unit', 'British thermal units'] },
  { id: 'kBtu', dimension: 'energy', factor: 1e3 * BTU_IT_J, name: 'thousand BTU', aliases: ['kBTU', 'thousand BTU'] },
  {
    id: 'MMBtu',
    dimension: 'energy',
    factor: 1e6 * BTU_IT_J,
    name: 'million BTU',
    aliases: ['MMBTU', 'mmbtu', 'MMBtus', 'million BTU', 'million Btu', 'mmBtu'],
  },
  { id: 'therm', dimension: 'energy', factor: THERM_US_J, name: 'therm (US)', aliases: ['therms', 'thm', 'therm (US)', 'US therm', 'therms (US)'] },
  { id: 'therm_EC', dimension: 'energy', factor: THERM_EC_J, name: 'therm (EC)', aliases: ['therm (EC)', 'EC therm', 'therms (EC)'] },
  { id: 'Dth', dimension: 'energy', factor: 10 * THERM_US_J, name: 'dekatherm (US)', aliases: ['dekatherm', 'dekatherms', 'DTH'] },

  // ---------------------------------------------------------------- volume (base m³)
  {
    id: 'm3',
    dimension: 'volume',
    factor: 1,
    name: 'cubic metre',
    aliases: ['m³', 'm^3', 'cbm', 'cu m', 'cubic metre', 'cubic metres', 'cubic meter', 'cubic meters', 'kubikmeter', 'mètres cubes', 'metros cúbicos', 'Nm3', 'Nm³', 'sm3', 'Sm3', 'Sm³'],
  },
  { id: 'L', dimension: 'volume', factor: 1e-3, name: 'litre', aliases: ['l', 'ltr', 'ltrs', 'litre', 'litres', 'liter', 'liters', 'Liter', 'litros', 'lt'] },
  { id: 'mL', dimension: 'volume', factor: 1e-6, name: 'millilitre', aliases: ['ml', 'millilitre', 'millilitres', 'milliliter', 'milliliters'] },
  { id: 'kL', dimension: 'volume', factor: 1, name: 'kilolitre', aliases: ['kl', 'kilolitre', 'kilolitres', 'kiloliter', 'kiloliters'] },
  { id: 'ML', dimension: 'volume', factor: 1e3, name: 'megalitre', aliases: ['megalitre', 'megalitres', 'megaliter', 'megaliters'] },
  {
    id: 'gal_US',
    dimension: 'volume',
    factor: GAL_US_M3,
    name: 'gallon (US)',
    aliases: ['gal (US)', 'US gal', 'gal US', 'gallon (US)', 'US gallon', 'US gallons', 'gallons (US)', 'usgal', 'gal_us'],
  },
  {
    id: 'gal_UK',
    dimension: 'volume',
    factor: GAL_UK_M3,
    name: 'gallon (UK, imperial)',
    aliases: ['gal (UK)', 'UK gal', 'gal UK', 'imp gal', 'gallon (UK)', 'UK gallon', 'UK gallons', 'imperial gallon', 'imperial gallons', 'gallons (UK)', 'gal_uk'],
  },
  { id: 'ft3', dimension: 'volume', factor: FT3_M3, name: 'cubic foot', aliases: ['ft³', 'cu ft', 'cf', 'cubic foot', 'cubic feet'] },
  // Gas utilities bill in hundreds and thousands of cubic feet; "Mcf" uses the Roman M (thousand) by industry convention.
  { id: 'ccf', dimension: 'volume', factor: 100 * FT3_M3, name: 'hundred cubic feet', aliases: ['CCF', 'hundred cubic feet'] },
  { id: 'Mcf', dimension: 'volume', factor: 1000 * FT3_M3, name: 'thousand cubic feet', aliases: ['MCF', 'mcf', 'thousand cubic feet'] },
  { id: 'bbl', dimension: 'volume', factor: BBL_M3, name: 'barrel (petroleum, 42 US gal)', aliases: ['barrel', 'barrels', 'bbls'] },

  // ---------------------------------------------------------------- mass (base kg)
  { id: 'g', dimension: 'mass', factor: 1e-3, name: 'gram', aliases: ['gram', 'grams', 'gramme', 'grammes'] },
  { id: 'kg', dimension: 'mass', factor: 1, name: 'kilogram', aliases: ['kgs', 'kilo', 'kilos', 'kilogram', 'kilograms', 'kilogramme', 'kilogrammes', 'kilogramm'] },
  {
    id: 't',
    dimension: 'mass',
    factor: 1e3,
    name: 'tonne (metric)',
    // "MT"/"mt" is how trade and waste contractors write "metric ton"; SI "Mt" (megatonne) is listed as ambiguous.
    aliases: ['tonne', 'tonnes', 'metric ton', 'metric tons', 'metric tonne', 'metric tonnes', 'MT', 'mt', 'Tonnen', 'tonnen', 'Tonne', 'toneladas', 'Tonnes'],
  },
  { id: 'lb', dimension: 'mass', factor: LB_KG, name: 'pound (avoirdupois)', aliases: ['lbs', 'pound', 'pounds', 'lb av'] },
  { id: 'short_ton', dimension: 'mass', factor: SHORT_TON_KG, name: 'short ton (US, 2000 lb)', aliases: ['short ton', 'short tons', 'US ton', 'US tons', 'ton (US)', 'tons (US)', 'sh tn'] },
  { id: 'long_ton', dimension: 'mass', factor: LONG_TON_KG, name: 'long ton (UK, 2240 lb)', aliases: ['long ton', 'long tons', 'UK ton', 'UK tons', 'ton (UK)', 'tons (UK)', 'imperial ton', 'LT'] },

  // ---------------------------------------------------------------- distance (base m)
  { id: 'm', dimension: 'distance', factor: 1, name: 'metre', aliases: ['metre', 'metres', 'meter', 'meters'] },
  { id: 'km', dimension: 'distance', factor: 1e3, name: 'kilometre', aliases: ['kilometre', 'kilometres', 'kilometer', 'kilometers', 'kms'] },
  { id: 'mi', dimension: 'distance', factor: MILE_M, name: 'mile (international)', aliases: ['mile', 'miles', 'mls'] },

  // ---------------------------------------------------------------- emissions (base kgCO2e)
  // CO2 alone is deliberately not an alias: a CO2 figure is not a CO2-equivalent figure.
  {
    id: 'gCO2e',
    dimension: 'emissions',
    factor: 1e-3,
    name: 'gram CO2-equivalent',
    aliases: ['g CO2e', 'gCO2eq', 'g CO2eq', 'gCO2-eq', 'g CO2-eq', 'g CO2 e'],
  },
  {
    id: 'kgCO2e',
    dimension: 'emissions',
    factor: 1,
    name: 'kilogram CO2-equivalent',
    aliases: ['kg CO2e', 'kgCO2eq', 'kg CO2eq', 'kgCO2-eq', 'kg CO2-eq', 'kg CO2 e', 'kg CO2 equivalent', 'kgCO2equivalent'],
  },
  {
    id: 'tCO2e',
    dimension: 'emissions',
    factor: 1e3,
    name: 'tonne CO2-equivalent',
    aliases: [
      't CO2e',
      'tCO2eq',
      't CO2eq',
      'tCO2-eq',
      't CO2-eq',
      't CO2 e',
      'tonnes CO2e',
      'tonne CO2e',
      'tonnes CO2eq',
      'tonnes CO2-eq',
      'metric tons CO2e',
      'MT CO2e',
      'MTCO2e',
      'mtCO2e',
      't CO2 equivalent',
      'tonnes CO2 equivalent',
    ],
  },
  { id: 'ktCO2e', dimension: 'emissions', factor: 1e6, name: 'kilotonne CO2-equivalent', aliases: ['kt CO2e', 'ktCO2eq', 'kt CO2eq'] },

  // ---------------------------------------------------------------- counts and ratios
  {
    id: 'count',
    dimension: 'count',
    factor: 1,
    name: 'count',
    aliases: ['#', 'no.', 'no', 'nr', 'nr.', 'number', 'qty', 'pcs', 'items', 'people', 'persons', 'employees', 'headcount', 'incidents', 'cases', 'Anzahl', 'anzahl'],
  },
  { id: '%', dimension: 'ratio', factor: 0.01, name: 'percent', aliases: ['percent', 'per cent', 'pct', 'Prozent', 'pourcentage'] },
  { id: 'fraction', dimension: 'ratio', factor: 1, name: 'fraction (0–1)', aliases: ['ratio'] },
];

/**
 * Spellings that mean different things to different people. normaliseUnit refuses them with
 * the explanation below so the wizard can ask which one is meant.
 */
export const AMBIGUOUS_UNITS: Record<string, string> = {
  gal: "'gal' may be a US gallon (3.785 L) or a UK gallon (4.546 L). Choose 'gal (US)' or 'gal (UK)'.",
  gallon: "'gallon' may be a US gallon (3.785 L) or a UK gallon (4.546 L). Choose 'gal (US)' or 'gal (UK)'.",
  gallons: "'gallons' may be US gallons (3.785 L) or UK gallons (4.546 L). Choose 'gal (US)' or 'gal (UK)'.",
  ton: "'ton' may be a metric tonne (1000 kg), a US short ton (907.2 kg) or a UK long ton (1016 kg). Choose 't', 'short ton' or 'long ton'.",
  tons: "'tons' may be metric tonnes (1000 kg), US short tons (907.2 kg) or UK long tons (1016 kg). Choose 't', 'short ton' or 'long ton'.",
  Mt: "'Mt' is a megatonne in SI but often means 'metric ton'. Choose 't' (tonne) or enter the value in tonnes.",
  MBtu: "'MBtu' may mean a thousand BTU (M = Roman thousand) or a million BTU. Choose 'kBtu' or 'MMBtu'.",
  MBTU: "'MBTU' may mean a thousand BTU (M = Roman thousand) or a million BTU. Choose 'kBtu' or 'MMBtu'.",
};
