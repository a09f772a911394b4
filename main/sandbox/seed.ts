/**
 * The sandbox's metric library and portfolio: realistic enough that a mapping wizard session on
 * sample utility, fuel and waste files finds a metric for every column.
 */

export interface SeedMetric {
  id: string;
  code: string;
  name: string;
  description: string | null;
  unit: string;
  category: string;
  valueType: 'number' | 'integer' | 'percentage' | 'text' | 'boolean';
  custom: boolean;
  apiWritable: boolean;
  aggregation: 'sum' | 'average';
}

export interface SeedEntity {
  id: string;
  name: string;
  type: 'company' | 'facility';
  externalRef: string | null;
  parentId: string | null;
  country: string | null;
}

const m = (
  code: string,
  name: string,
  unit: string,
  category: string,
  extra: Partial<Omit<SeedMetric, 'code' | 'name' | 'unit' | 'category'>> = {},
): SeedMetric => ({
  id: `met_${code.toLowerCase()}`,
  code,
  name,
  description: null,
  unit,
  category,
  valueType: 'number',
  custom: false,
  apiWritable: true,
  aggregation: 'sum',
  ...extra,
});

export const SEED_METRICS: SeedMetric[] = [
  m('ELEC_CONS', 'Electricity consumption', 'kWh', 'energy', { description: 'Total electricity consumed, grid and on-site.' }),
  m('ELEC_RENEW', 'Renewable electricity consumption', 'kWh', 'energy', { description: 'Electricity from renewable sources (PPA, REGO/GO-backed tariffs, on-site).' }),
  m('NGAS_KWH', 'Natural gas consumption (energy)', 'kWh', 'energy', { description: 'Natural gas by energy content (gross calorific value).' }),
  m('NGAS_M3', 'Natural gas consumption (volume)', 'm3', 'energy', { description: 'Natural gas by metered volume.' }),
  m('DIST_HEAT', 'District heating consumption', 'kWh', 'energy'),
  m('FUEL_DIESEL', 'Diesel consumption', 'L', 'fuel', { description: 'Diesel for vehicles, generators and machinery.' }),
  m('FUEL_PETROL', 'Petrol consumption', 'L', 'fuel'),
  m('WATER_WITHDRAWAL', 'Water withdrawal', 'm3', 'water', { description: 'Total water withdrawn from all sources.' }),
  m('WASTE_TOTAL', 'Total waste generated', 't', 'waste'),
  m('WASTE_HAZ', 'Hazardous waste generated', 't', 'waste'),
  m('WASTE_RECYCLED', 'Waste recycled', 't', 'waste'),
  m('GHG_S1', 'Scope 1 GHG emissions', 'tCO2e', 'emissions'),
  m('GHG_S2_LB', 'Scope 2 GHG emissions (location-based)', 'tCO2e', 'emissions'),
  m('GHG_S2_MB', 'Scope 2 GHG emissions (market-based)', 'tCO2e', 'emissions'),
  m('GHG_S3', 'Scope 3 GHG emissions', 'tCO2e', 'emissions'),
  m('HEADCOUNT', 'Headcount (end of period)', 'employees', 'social', { valueType: 'integer', aggregation: 'average' }),
  m('SAFETY_INCIDENTS', 'Safety incidents', 'count', 'safety', { valueType: 'integer' }),
  m('LTIR', 'Lost-time injury rate', 'per 1,000,000 h', 'safety', {
    description: 'Lost-time injuries per million hours worked.',
    aggregation: 'average',
  }),
  m('RENEW_SHARE', 'Renewable electricity share', '%', 'energy', { valueType: 'percentage', aggregation: 'average' }),
  m('ENV_POLICY', 'Environmental policy in place', 'yes/no', 'governance', { valueType: 'boolean', aggregation: 'average' }),
  m('CUST_COMPANY_CARS', 'Company cars in fleet', 'vehicles', 'fuel', { valueType: 'integer', custom: true, aggregation: 'average' }),
  // CSRD datapoints are outside API-IN (seed: "All data points excluding CSRD").
  m('CSRD_E1_6_GROSS_S1', 'ESRS E1-6 Gross Scope 1 GHG emissions', 'tCO2e', 'csrd', { apiWritable: false }),
];

export const SEED_ENTITIES: SeedEntity[] = [
  { id: 'ent_acme', name: 'Acme Holdings plc', type: 'company', externalRef: 'ACME-GRP', parentId: null, country: 'GB' },
  { id: 'ent_lon01', name: 'London Head Office', type: 'facility', externalRef: 'LON-01', parentId: 'ent_acme', country: 'GB' },
  { id: 'ent_man02', name: 'Manchester Plant', type: 'facility', externalRef: 'MAN-02', parentId: 'ent_acme', country: 'GB' },
  { id: 'ent_ber01', name: 'Berlin Distribution Centre', type: 'facility', externalRef: 'BER-01', parentId: 'ent_acme', country: 'DE' },
  { id: 'ent_lyo01', name: 'Lyon Warehouse', type: 'facility', externalRef: 'LYO-01', parentId: 'ent_acme', country: 'FR' },
  { id: 'ent_nwl', name: 'Northwind Logistics Ltd', type: 'company', externalRef: 'NWL', parentId: null, country: 'GB' },
  { id: 'ent_mad03', name: 'Madrid Depot', type: 'facility', externalRef: 'MAD-03', parentId: 'ent_nwl', country: 'ES' },
];
