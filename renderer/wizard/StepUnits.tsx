import { parseNumber } from '../../shared/mapping/numbers';
import { plainNumber } from '../format';
import { metricName, ownUnitLabel } from './labels';
import type { StepProps } from './step';
import { localValues, valueColumns, type WizardState } from './state';

/** The first value cell of the sample, read with the chosen locale, so the choice can be checked. */
function example(state: WizardState): { raw: string; value: number | null; problem: string | null } | null {
  const cols = valueColumns(state);
  for (const r of state.sample?.rows ?? []) {
    for (const c of cols) {
      const v = r.cells[c];
      if (typeof v === 'string' && /\d/.test(v)) {
        const p = parseNumber(v, { decimal: state.decimal, thousands: state.thousands, parenthesesNegative: true });
        return p.ok ? { raw: v, value: p.value, problem: null } : { raw: v, value: null, problem: p.message };
      }
    }
  }
  return null;
}

/** The metrics the metric column's values in the sample go to: by the map, else by the library's own codes and names. */
function mappedMetricIds(state: WizardState): string[] {
  const norm = (v: string) => v.trim().toLowerCase();
  const map = new Map(Object.entries(state.metricValueMap).map(([k, v]) => [norm(k), v]));
  const metrics = state.catalogue?.metrics ?? [];
  const inLibrary = (v: string) => (state.metricMatchCatalogue ? metrics.find((m) => [m.id, m.code, m.name].some((x) => norm(x) === norm(v)))?.id : undefined);
  return localValues(state, 'metric').map((v) => map.get(norm(v)) ?? inLibrary(v) ?? '').filter(Boolean);
}

/** Step 5: which unit the values are in, and how numbers are written. */
export function StepUnits({ state, dispatch }: StepProps) {
  const patch = (p: Partial<WizardState>) => dispatch({ type: 'patch', patch: { ...p, preview: null } });
  const unitCol = Object.keys(state.roles).find((c) => state.roles[c] === 'unit');
  const metrics = state.catalogue?.metrics ?? [];
  const perMetric = state.shape === 'wide' && state.wideKind === 'per-metric';
  const metricColumn = !perMetric && Object.values(state.roles).includes('metric');
  const own = ownUnitLabel(
    metrics,
    perMetric
      ? { each: 'column', metricIds: valueColumns(state).map((c) => state.metricFor[c] ?? '') }
      : metricColumn
        ? { each: 'row', metricIds: mappedMetricIds(state) }
        : { fixedMetricId: state.fixedMetricId },
  );
  const ex = example(state);
  return (
    <div className="wizard-step-body">
      <fieldset className="field">
        <legend>The values are in…</legend>
        <label className="radio">
          <input type="radio" name="unitMode" checked={state.unitMode === 'metric'} onChange={() => patch({ unitMode: 'metric' })} />
          {own}
        </label>
        <label className="radio">
          <input type="radio" name="unitMode" checked={state.unitMode === 'fixed'} onChange={() => patch({ unitMode: 'fixed' })} />
          one unit for every value
        </label>
        <label className="radio">
          <input type="radio" name="unitMode" checked={state.unitMode === 'column'} onChange={() => patch({ unitMode: 'column' })} />
          the unit written in a column{unitCol ? ` (‘${unitCol}’)` : ' (give a column the role “Unit”)'}
        </label>
      </fieldset>
      {state.unitMode === 'fixed' && (
        <label className="field">
          <span>Unit of the values</span>
          <input type="text" value={state.fixedUnit} onChange={(e) => patch({ fixedUnit: e.target.value })} placeholder="e.g. kWh, MWh, m³, L, t" />
          <small className="muted">Converted to each metric’s unit when sent (kWh → MWh, gal → L, …).</small>
        </label>
      )}
      {state.unitMode !== 'column' && state.shape === 'wide' && state.wideKind === 'per-metric' && (
        <table className="table wizard-columns" aria-label="Unit per value column">
          <thead>
            <tr>
              <th scope="col">Value column</th>
              <th scope="col">Metric</th>
              <th scope="col">Unit, if different</th>
            </tr>
          </thead>
          <tbody>
            {valueColumns(state).map((c) => (
              <tr key={c}>
                <th scope="row">{c}</th>
                <td>{state.metricFor[c] ? metricName(metrics, state.metricFor[c]) : '—'}</td>
                <td>
                  <input
                    type="text"
                    aria-label={`Unit of column ‘${c}’`}
                    value={state.unitFor[c] ?? ''}
                    onChange={(e) => patch({ unitFor: { ...state.unitFor, [c]: e.target.value.trim() } })}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <label className="field">
        <span>Calorific value of the gas (MJ per m³), if volumes are converted to energy</span>
        <input type="text" inputMode="decimal" value={state.calorificValue} onChange={(e) => patch({ calorificValue: e.target.value })} placeholder="e.g. 39.2, as stated on the bill" />
        <small className="muted">Only needed when values in m³ go to a metric measured in kWh, MWh or GJ; the agent never guesses it.</small>
      </label>
      <h3 className="wizard-subhead">Numbers</h3>
      <div className="wizard-row">
        <label className="field">
          <span>Decimal separator</span>
          <select value={state.decimal} onChange={(e) => patch({ decimal: e.target.value as '.' | ',' })}>
            <option value=".">Point: 1234.5</option>
            <option value=",">Comma: 1234,5</option>
          </select>
        </label>
        <label className="field">
          <span>Thousands separator</span>
          <select value={state.thousands} onChange={(e) => patch({ thousands: e.target.value as WizardState['thousands'] })}>
            <option value="auto">Detect</option>
            <option value=",">Comma: 1,234</option>
            <option value=".">Point: 1.234</option>
            <option value=" ">Space: 1 234</option>
            <option value="'">Apostrophe: 1'234</option>
            <option value="">None</option>
          </select>
        </label>
      </div>
      {ex && <ExampleReading raw={ex.raw} value={ex.value} problem={ex.problem} decimal={state.decimal} />}
    </div>
  );
}

/**
 * How the sample's first value is read, in a form no reader can take the wrong way: without
 * thousands grouping, with the chosen decimal separator, its whole and decimal parts named.
 */
function ExampleReading({ raw, value, problem, decimal }: { raw: string; value: number | null; problem: string | null; decimal: '.' | ',' }) {
  if (value === null) {
    return (
      <p role="status">
        Example from the sample: <code>{raw}</code> cannot be read as a number with these separators: {problem}
      </p>
    );
  }
  const n = plainNumber(value, decimal);
  return (
    <p role="status">
      Example from the sample: <code>{raw}</code> is read as the number <strong>{n.text}</strong>{' '}
      {n.decimals === null ? '(a whole number)' : `(whole part ${n.whole}, decimals ${n.decimals})`}.
    </p>
  );
}
