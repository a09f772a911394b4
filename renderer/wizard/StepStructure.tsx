import { MONTHS } from './labels';
import { ReadChoices } from './ReadChoices';
import { SampleTable } from './SampleTable';
import type { StepProps } from './step';
import { valueColumns } from './state';

/** Step 2: where the header is and how the table is laid out (one value per row, or many). */
export function StepStructure({ state, dispatch }: StepProps) {
  const values = new Set(valueColumns(state));
  const info = state.sample?.info;
  const setValue = (column: string, on: boolean) => dispatch({ type: 'role', column, role: on ? 'value' : 'ignore' });
  return (
    <div className="wizard-step-body">
      {info && info.format !== 'database' && (
        <p>
          The column names were found on{' '}
          <strong>{info.headerRows === 2 && info.headerRow ? `lines ${info.headerRow} and ${info.headerRow + 1}, read together` : `line ${info.headerRow ?? 1}`}</strong>
          {info.headerRow && info.headerRow > 1 ? ` (the ${info.headerRow - 1} line${info.headerRow > 2 ? 's' : ''} above are a title and are skipped)` : ''}.
          {info.sheet ? ` Sheet “${info.sheet}”.` : ''}
        </p>
      )}
      <ReadChoices state={state} dispatch={dispatch} />
      {state.sample && <SampleTable headers={state.headers} rows={state.sample.rows} max={4} />}
      <fieldset className="field">
        <legend>How is the table laid out?</legend>
        <label className="radio">
          <input type="radio" name="shape" checked={state.shape === 'long'} onChange={() => dispatch({ type: 'patch', patch: { shape: 'long', preview: null } })} />
          Long: one row per value (a column with the value, others say which metric, site and period)
        </label>
        <label className="radio">
          <input type="radio" name="shape" checked={state.shape === 'wide'} onChange={() => dispatch({ type: 'patch', patch: { shape: 'wide', preview: null } })} />
          Wide: several value columns in each row
        </label>
      </fieldset>
      {state.shape === 'wide' && (
        <fieldset className="field">
          <legend>The value columns are…</legend>
          <label className="radio">
            <input
              type="radio"
              name="wideKind"
              checked={state.wideKind === 'per-period'}
              onChange={() => dispatch({ type: 'patch', patch: { wideKind: 'per-period', preview: null } })}
            />
            one per month (Jan, Feb, …), all for the same metric
          </label>
          <label className="radio">
            <input
              type="radio"
              name="wideKind"
              checked={state.wideKind === 'per-metric'}
              onChange={() => dispatch({ type: 'patch', patch: { wideKind: 'per-metric', preview: null } })}
            />
            one per metric (Electricity, Gas, Water, …)
          </label>
        </fieldset>
      )}
      {state.shape === 'long' ? (
        <label className="field">
          <span>Value column</span>
          <select
            value={[...values][0] ?? ''}
            onChange={(e) => {
              for (const v of values) dispatch({ type: 'role', column: v, role: 'ignore' });
              if (e.target.value) dispatch({ type: 'role', column: e.target.value, role: 'value' });
            }}
          >
            <option value="">Choose…</option>
            {state.headers.map((h) => (
              <option key={h} value={h}>
                {h}
              </option>
            ))}
          </select>
        </label>
      ) : (
        <table className="table wizard-columns" aria-label="Value columns">
          <thead>
            <tr>
              <th scope="col">Column</th>
              <th scope="col">Holds values</th>
              {state.wideKind === 'per-period' && <th scope="col">Month</th>}
            </tr>
          </thead>
          <tbody>
            {state.headers.map((h) => (
              <tr key={h} className={values.has(h) ? 'selected' : undefined}>
                <th scope="row">{h}</th>
                <td>
                  <label className="checkbox">
                    <input type="checkbox" checked={values.has(h)} onChange={(e) => setValue(h, e.target.checked)} />
                    <span className="visually-hidden">‘{h}’ holds values</span>
                  </label>
                </td>
                {state.wideKind === 'per-period' && (
                  <td>
                    {values.has(h) && (
                      <select
                        aria-label={`Month of column ‘${h}’`}
                        value={state.monthFor[h] ?? ''}
                        onChange={(e) => dispatch({ type: 'patch', patch: { monthFor: { ...state.monthFor, [h]: Number(e.target.value) }, preview: null } })}
                      >
                        <option value="">Choose…</option>
                        {MONTHS.map((m, i) => (
                          <option key={m} value={i + 1}>
                            {m}
                          </option>
                        ))}
                      </select>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
