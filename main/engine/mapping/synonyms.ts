/**
 * What people call things in sustainability spreadsheets, in the languages the agent meets
 * most (en, de, fr, es, nl). Concepts link a header to a platform metric without either
 * naming the other exactly: 'Strom kWh' and 'Electricity consumption' meet at 'electricity'.
 *
 * Phrases are matched on folded tokens (lowercase, accents removed, letters split from digits).
 * A phrase word of five letters or more also matches inside a compound ('Stromverbrauch').
 */

export interface Concept {
  id: string;
  /** [phrase, weight]. Without a weight: 0.75 for one word, more for longer phrases. */
  phrases: Array<string | [string, number]>;
}

export const METRIC_CONCEPTS: Concept[] = [
  {
    id: 'electricity',
    phrases: ['electricity', 'electric', 'elec', 'power', 'power usage', 'strom', 'elektrizitat', 'electricite', 'electricidad', 'elektriciteit', 'grid electricity', 'purchased electricity'],
  },
  { id: 'natural-gas', phrases: ['natural gas', 'gas', 'erdgas', 'gaz', 'gaz naturel', 'gas natural', 'aardgas', 'mains gas'] },
  { id: 'diesel', phrases: ['diesel', 'gasoil', 'gas oil', 'gasoleo', 'derv', 'red diesel', ['fuel', 0.5], ['kraftstoff', 0.5], ['carburant', 0.5]] },
  { id: 'petrol', phrases: ['petrol', 'gasoline', 'benzin', 'benzine', 'essence', 'gasolina', 'unleaded', ['fuel', 0.45]] },
  { id: 'water', phrases: ['water', 'wasser', 'eau', 'agua', 'water withdrawal', 'water consumption', 'water intake', 'mains water'] },
  { id: 'waste', phrases: ['waste', 'total waste', 'waste total', 'abfall', 'abfall gesamt', 'abfalle', 'dechets', 'residuos', 'afval', 'mull'] },
  { id: 'hazardous', phrases: [['hazardous', 0.85], 'hazardous waste', 'gefahrlich', 'gefahrliche abfalle', 'sondermull', 'sonderabfall', 'dangereux', 'peligrosos', 'gevaarlijk'] },
  { id: 'recycled', phrases: [['recycled', 0.85], 'recycling', 'recycle', 'recycled waste', 'verwertet', 'recyclage', 'reciclado', 'reciclados', 'gerecycled'] },
  { id: 'scope-1', phrases: [['scope 1', 0.9], 'direct emissions', 'direkte emissionen'] },
  { id: 'scope-2', phrases: [['scope 2', 0.9], 'location based', 'market based', 'indirect energy emissions'] },
  { id: 'scope-3', phrases: [['scope 3', 0.9], 'value chain emissions'] },
  { id: 'headcount', phrases: ['headcount', 'head count', 'employees', 'staff', 'fte', 'mitarbeiter', 'mitarbeitende', 'beschaftigte', 'effectif', 'empleados', 'personnel', 'workforce'] },
  { id: 'incidents', phrases: ['incidents', 'incident', 'safety incidents', 'accidents', 'accident', 'lost time', 'lti', 'injuries', 'unfalle', 'unfall', 'arbeitsunfalle', 'accidentes'] },
  { id: 'renewable', phrases: [['renewable', 0.85], 'erneuerbar', 'erneuerbare', 'renouvelable', 'renovable', 'green electricity', 'okostrom'] },
];

export type ColumnRole =
  | 'value'
  | 'metric'
  | 'entity'
  | 'period'
  | 'period-start'
  | 'period-end'
  | 'year'
  | 'month'
  | 'unit'
  | 'comment'
  | 'evidence'
  | 'ignore';

/** Header words that give a column's role away. */
export const ROLE_PHRASES: Record<Exclude<ColumnRole, 'value' | 'ignore'>, string[]> = {
  entity: [
    'site', 'site code', 'site name', 'site id', 'facility', 'facility code', 'facility name', 'location', 'plant', 'building', 'entity', 'company',
    'subsidiary', 'office', 'branch', 'store', 'standort', 'werk', 'niederlassung', 'gesellschaft', 'site de', 'etablissement', 'usine', 'sede', 'planta',
    'centro', 'vestiging', 'locatie', 'property', 'asset',
  ],
  period: ['date', 'month', 'period', 'reporting period', 'billing period', 'datum', 'monat', 'zeitraum', 'periode', 'mois', 'fecha', 'mes', 'periodo', 'maand', 'reading date', 'invoice date'],
  'period-start': ['start', 'start date', 'from', 'period start', 'von', 'beginn', 'debut', 'date de debut', 'desde', 'inicio'],
  'period-end': ['end', 'end date', 'to', 'period end', 'bis', 'ende', 'fin', 'date de fin', 'hasta'],
  year: ['year', 'jahr', 'annee', 'ano', 'jaar', 'fy', 'fiscal year', 'geschaftsjahr', 'reporting year'],
  month: ['month', 'monat', 'mois', 'mes', 'maand'],
  unit: ['unit', 'units', 'uom', 'unit of measure', 'measure unit', 'einheit', 'mengeneinheit', 'unite', 'unidad', 'eenheid'],
  comment: ['comment', 'comments', 'note', 'notes', 'remark', 'remarks', 'bemerkung', 'bemerkungen', 'kommentar', 'anmerkung', 'commentaire', 'comentario', 'opmerking'],
  evidence: ['evidence', 'source document', 'document', 'invoice', 'invoice number', 'invoice no', 'bill', 'attachment', 'link', 'url', 'beleg', 'rechnung', 'rechnungsnummer', 'facture', 'factura', 'proof'],
  metric: ['metric', 'indicator', 'kpi', 'parameter', 'measure', 'kennzahl', 'indikator', 'indicateur', 'indicador', 'energy type', 'fuel type', 'energietrager', 'type', 'category', 'meter type', 'utility', 'commodity'],
};

/** Headers of a generic value column in a long table. */
export const VALUE_PHRASES = ['value', 'amount', 'quantity', 'qty', 'consumption', 'usage', 'reading', 'total', 'wert', 'menge', 'verbrauch', 'valeur', 'quantite', 'consommation', 'valor', 'cantidad', 'consumo', 'waarde', 'hoeveelheid', 'verbruik'];
