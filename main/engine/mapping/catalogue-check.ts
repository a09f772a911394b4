/**
 * A mapping profile checked against its connection's catalogue (the platform's metric library
 * and entities, fetched through the connection as the wizard's preview does) before it is saved.
 * A profile written by hand or brought from another agent can name a metric id the library does
 * not have, a site by its name or code instead of its platform id, or a unit that cannot become
 * the metric's unit: saved as it is, every row of every file would be rejected. Each problem is
 * said in words, with the id the value probably means where exactly one metric or site matches.
 */
import type { Entity, Metric } from '../../../shared/domain';
import type { MappingProfile } from '../../../shared/mapping';
import { convert, lookupUnit, UnitError } from '../../../shared/units';
import type { CatalogueView } from './service';

/** As the pipeline compares a cell with a value map's key or a catalogue name (shared/mapping/apply). */
const normaliseKey = (s: string): string => s.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();

export type CatalogueProblemKind = 'metric' | 'metric-not-writable' | 'entity' | 'unit';

export interface CatalogueProblem {
  kind: CatalogueProblemKind;
  /** Where in the profile (dotted, value-map keys in brackets): for finding it in the file. */
  path: string;
  /** The id or unit as the profile has it. */
  value: string;
  /** The platform id the value probably means: its name or code matched exactly one metric or site. */
  probably: string | null;
  message: string;
}

/** What a person types to look ids up (`esg-sync catalogue`). */
export function catalogueCommand(connectionName: string, what: '--metrics' | '--sites', search?: string): string {
  const name = /^[\w.-]+$/.test(connectionName) ? connectionName : `"${connectionName.replace(/(["\\$`])/g, '\\$1')}"`;
  const term = search ? ` --search ${/^[\w.-]+$/.test(search) ? search : `"${search.replace(/(["\\$`])/g, '\\$1')}"`}` : '';
  return `esg-sync catalogue --connection ${name} ${what}${term}`;
}

const describeMetric = (m: Metric): string => `${m.id} (${m.name}, ${m.unit})`;
const describeEntity = (e: Entity): string => `${e.id} (${e.name}${e.externalRef ? `, code ${e.externalRef}` : ''})`;

/** Catalogue entries whose id, code or name equals the text, compared as value maps compare (trimmed, any case). */
function exactMatches<T>(items: readonly T[], text: string, fields: (item: T) => Array<string | null>): T[] {
  const k = normaliseKey(text);
  return items.filter((item) => fields(item).some((f) => f !== null && normaliseKey(f) === k));
}

/** Words of the unknown id ("met_electricity" → "electricity") found in a metric's code or name. */
function similarMetrics(metrics: readonly Metric[], id: string): Metric[] {
  const words = id
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length >= 4);
  if (!words.length) return [];
  return metrics.filter((m) => words.some((w) => `${m.code} ${m.name}`.toLowerCase().includes(w))).slice(0, 5);
}

interface UnitUse {
  unit: string;
  path: string;
  /** Where the unit comes from, said in words ("the fixed unit"). */
  what: string;
  metricIds: string[];
}

/** Every problem the profile would run into on this platform; empty when it fits. */
export function checkProfileAgainstCatalogue(profile: MappingProfile, catalogue: CatalogueView, connectionName: string): CatalogueProblem[] {
  const problems: CatalogueProblem[] = [];
  const metricsById = new Map(catalogue.metrics.map((m) => [m.id, m]));
  const entitiesById = new Map(catalogue.entities.map((e) => [e.id, e]));
  const conn = `"${connectionName}"`;

  // ------------------------------------------------------------ metrics
  const checkMetric = (id: string, path: string, where: (id: string) => string) => {
    const metric = metricsById.get(id);
    if (metric) {
      if (!metric.writable) {
        problems.push({
          kind: 'metric-not-writable',
          path,
          value: id,
          probably: null,
          message: `${where(id)} is a metric the service account of ${conn} may not submit values for (${metric.name}). Ask a platform administrator for access, or choose another metric.`,
        });
      }
      return;
    }
    // A platform without a metric library takes the mapping's metric names as written.
    if (catalogue.freeMetrics) return;
    const exact = exactMatches(catalogue.metrics, id, (m) => [m.id, m.code, m.name]);
    const similar = exact.length ? [] : similarMetrics(catalogue.metrics, id);
    const hint =
      exact.length === 1
        ? `It probably means ${describeMetric(exact[0]!)}: write that id instead.`
        : exact.length > 1
          ? `Its name or code matches several metrics: ${exact.map(describeMetric).join(', ')}; write the id of the one meant.`
          : similar.length
            ? `Metrics with similar names: ${similar.map(describeMetric).join(', ')}.`
            : '';
    problems.push({
      kind: 'metric',
      path,
      value: id,
      probably: exact.length === 1 ? exact[0]!.id : null,
      message: `${where(id)} is not a metric id in the metric library of ${conn}. ${hint ? `${hint} ` : ''}List the metric ids with \`${catalogueCommand(connectionName, '--metrics')}\`.`,
    });
  };

  const valueColumns = profile.shape.kind === 'long' ? [{ column: profile.shape.valueColumn } as { column: string; metricId?: string; unit?: string }] : profile.shape.valueColumns;
  const role = profile.metric;
  if (role?.kind === 'fixed') checkMetric(role.metricId, 'metric.metricId', (id) => `The metric "${id}" (metric.metricId)`);
  if (role?.kind === 'column') {
    for (const [local, target] of Object.entries(role.valueMap)) {
      checkMetric(target, `metric.valueMap["${local}"]`, (id) => `The metric column "${role.column}" maps "${local}" to "${id}", which`);
    }
  }
  if (profile.shape.kind === 'wide') {
    profile.shape.valueColumns.forEach((vc, i) => {
      if (vc.metricId) checkMetric(vc.metricId, `shape.valueColumns.${i}.metricId`, (id) => `The metric "${id}" of the value column "${vc.column}" (shape.valueColumns.${i}.metricId)`);
    });
  }

  // ------------------------------------------------------------ entities
  const entity = profile.entity;
  const label = entity.kind === 'column' ? entity.label : 'site';
  const checkEntity = (id: string, path: string, where: (id: string) => string, viaMap: boolean) => {
    if (entitiesById.has(id)) return;
    const exact = exactMatches(catalogue.entities, id, (e) => [e.id, e.name, e.externalRef]);
    const hint =
      exact.length === 1
        ? `It is the ${exact[0]!.externalRef && normaliseKey(exact[0]!.externalRef) === normaliseKey(id) ? 'code' : 'name'} of ${describeEntity(exact[0]!)}, so it probably means ${exact[0]!.id}: write that id instead.`
        : exact.length > 1
          ? `Its name or code matches several ${label}s: ${exact.map(describeEntity).join(', ')}; write the id of the one meant.`
          : '';
    problems.push({
      kind: 'entity',
      path,
      value: id,
      probably: exact.length === 1 ? exact[0]!.id : null,
      message: `${where(id)} is not a ${label} id on ${conn}${viaMap ? " (a value map needs the platform's id, not a name or code)" : ''}. ${hint ? `${hint} ` : ''}List the ${label} ids with \`${catalogueCommand(connectionName, '--sites')}\`.`,
    });
  };
  if (entity.kind === 'fixed') checkEntity(entity.entityId, 'entity.entityId', (id) => `The ${label} "${id}" (entity.entityId)`, false);
  else {
    for (const [local, target] of Object.entries(entity.valueMap)) {
      checkEntity(target, `entity.valueMap["${local}"]`, (id) => `The ${label} column "${entity.column}" maps "${local}" to "${id}", which`, true);
    }
  }

  // ------------------------------------------------------------ units
  const rowMetricIds = role?.kind === 'fixed' ? [role.metricId] : role?.kind === 'column' ? [...new Set(Object.values(role.valueMap))] : [];
  const uses: UnitUse[] = [];
  valueColumns.forEach((vc, i) => {
    const metricIds = vc.metricId ? [vc.metricId] : rowMetricIds;
    if (vc.unit) uses.push({ unit: vc.unit, path: `shape.valueColumns.${i}.unit`, what: `The unit of the value column "${vc.column}"`, metricIds });
    else if (profile.unit.kind === 'fixed') uses.push({ unit: profile.unit.unit, path: 'unit.unit', what: 'The fixed unit', metricIds });
    else if (profile.unit.kind === 'column') {
      for (const [local, target] of Object.entries(profile.unit.valueMap)) {
        uses.push({ unit: target, path: `unit.valueMap["${local}"]`, what: `The unit column "${profile.unit.column}" maps "${local}" to a unit, and`, metricIds });
      }
    }
  });
  const cv = profile.transforms.calorificValueMJPerM3;
  const said = new Set<string>();
  const unitProblem = (use: UnitUse, message: string) => {
    const key = `${use.path}\n${message}`;
    if (said.has(key)) return;
    said.add(key);
    problems.push({ kind: 'unit', path: use.path, value: use.unit, probably: null, message });
  };
  for (const use of uses) {
    const from = lookupUnit(use.unit);
    const metrics = use.metricIds.map((id) => metricsById.get(id)).filter((m): m is Metric => Boolean(m));
    // Text and yes/no metrics take no unit conversion.
    const numeric = metrics.filter((m) => m.valueType !== 'text' && m.valueType !== 'boolean');
    if (!numeric.length) {
      // No metric to compare with (unknown ids are reported above): a unit the app cannot read is still worth saying.
      const platformSpelling = catalogue.metrics.some((m) => normaliseKey(m.unit) === normaliseKey(use.unit));
      if (!from.ok && !platformSpelling && metrics.length === 0) {
        unitProblem(use, `${use.what} "${use.unit}" (${use.path}) is not a unit this app can convert: ${from.message} Write a unit such as kWh, MWh, m3, L, kg or t, or the metric's own unit.`);
      }
      continue;
    }
    for (const metric of numeric) {
      // The pipeline's own rule (shared/mapping/apply readValue): the same spelling needs nothing.
      if (normaliseKey(use.unit) === normaliseKey(metric.unit)) continue;
      if (!from.ok) {
        unitProblem(use, `${use.what} "${use.unit}" (${use.path}) is not a unit this app can convert to ${metric.unit}, the unit of ${describeMetric(metric)}: ${from.message} Write the unit as the file gives it, e.g. "${metric.unit}".`);
        continue;
      }
      const to = lookupUnit(metric.unit);
      if (!to.ok) {
        unitProblem(use, `${use.what} "${use.unit}" (${use.path}) cannot be converted to "${metric.unit}", the unit of ${describeMetric(metric)}: the platform's unit is not one this app converts to. Give the values in "${metric.unit}" (write that unit).`);
        continue;
      }
      if (from.unit.id === to.unit.id) continue;
      try {
        convert(1, from.unit.id, to.unit.id, cv === undefined ? {} : { calorificValueMJPerM3: cv });
      } catch (err) {
        if (err instanceof UnitError && err.code === 'calorific_value_required') {
          unitProblem(
            use,
            `${use.what} "${use.unit}" (${use.path}) is a volume and ${describeMetric(metric)} wants energy: converting needs the gas's calorific value. Add "transforms": { "calorificValueMJPerM3": … } with the value in MJ per m³ from the gas bill, or choose the metric measured by volume.`,
          );
        } else {
          unitProblem(
            use,
            `${use.what} "${use.unit}" (${use.path}) cannot be converted to ${metric.unit}, the unit of ${describeMetric(metric)}: ${from.unit.id} is ${from.unit.dimension} and ${to.unit.id} is ${to.unit.dimension}. Check that the metric and the unit are the right ones.`,
          );
        }
      }
    }
  }
  return problems;
}

/** The refusal: each problem on a line, and the two ways on. */
export function refusalMessage(mappingName: string, connectionName: string, problems: readonly CatalogueProblem[]): string {
  const n = problems.length;
  return [
    `The mapping "${mappingName}" does not fit the platform of the connection "${connectionName}" (${n === 1 ? 'one problem' : `${n} problems`}); every row it touches would be rejected:`,
    ...problems.map((p) => `- ${p.message}`),
    'Nothing was saved. Correct the mapping and save it again, or save it anyway ("Import … anyway" on the Mappings page, `--force` with `esg-sync mapping import`) and correct it later in the wizard.',
  ].join('\n');
}
