export {
  UnitError,
  lookupUnit,
  normaliseUnit,
  unitInfo,
  dimensionOf,
  conversionNeed,
  canConvert,
  convert,
  unitsOf,
  BASE_UNITS,
  UNITS,
  AMBIGUOUS_UNITS,
} from './convert';
export type { UnitErrorCode, UnitLookup, ConvertOptions, ConversionNeed, Dimension, UnitDef } from './convert';
