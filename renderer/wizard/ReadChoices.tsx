import { useState } from 'react';
import { errorText } from './api';
import { readSample } from './load';
import type { StepProps } from './step';
import type { WizardState } from './state';

/**
 * Which sheet of a workbook, and which row holds the column names. Each choice reads the
 * sample again at once, so the columns, suggestions and preview below follow it.
 */
export function ReadChoices({ state, dispatch }: StepProps) {
  const [busy, setBusy] = useState(false);
  const info = state.sample?.info;
  if (!info || info.format === 'database' || info.format === 'json' || info.format === 'ndjson') return null;

  const reread = async (choice: Pick<WizardState, 'headerRow' | 'headerRows' | 'sheet'>) => {
    dispatch({ type: 'patch', patch: { ...choice, preview: null } });
    setBusy(true);
    dispatch({ type: 'error', step: 1, message: null });
    try {
      await readSample({ ...state, ...choice }, dispatch);
    } catch (err) {
      dispatch({ type: 'error', step: 1, message: errorText(err) });
    } finally {
      setBusy(false);
    }
  };

  const sheets = info.sheets ?? [];
  const current = info.headerRow;
  const twoRows = (info.headerRows ?? 1) === 2;
  return (
    <section className="wizard-panel" aria-labelledby="read-choices-heading" aria-busy={busy}>
      <h3 id="read-choices-heading">How the file is read</h3>
      {info.format === 'xlsx' && sheets.length > 0 && (
        <label className="field">
          <span>Sheet</span>
          <select value={info.sheet ?? ''} disabled={busy} onChange={(e) => void reread({ sheet: e.target.value, headerRow: null, headerRows: null })}>
            {sheets.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
      )}
      {state.topRows.length > 0 && (
        <fieldset className="field">
          <legend>Which row holds the column names?</legend>
          <label className="radio">
            <input type="radio" name="header-row" checked={state.headerRow === null} disabled={busy} onChange={() => void reread({ headerRow: null, headerRows: null, sheet: state.sheet })} />
            Find it automatically{state.headerRow === null && current ? ` (row ${current} was found)` : ''}
          </label>
          <div className="wizard-scroll">
            <table className="table wizard-toprows" aria-label="First rows of the file">
              <thead>
                <tr>
                  <th scope="col">Header</th>
                  <th scope="col">Row</th>
                  <th scope="col">Content</th>
                </tr>
              </thead>
              <tbody>
                {state.topRows.map((r) => {
                  const text = r.cells.filter((c) => c.trim() !== '').join(' · ');
                  return (
                    <tr key={r.row} className={r.row === current ? 'selected' : undefined}>
                      <td>
                        <input
                          type="radio"
                          name="header-row"
                          aria-label={`Row ${r.row} holds the column names`}
                          checked={state.headerRow === r.row}
                          disabled={busy}
                          onChange={() => void reread({ headerRow: r.row, headerRows: null, sheet: state.sheet })}
                        />
                      </td>
                      <td className="num">{r.row}</td>
                      <td title={text}>{text || <span className="muted">(empty)</span>}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {current !== null && (
            <label className="checkbox">
              <input
                type="checkbox"
                checked={twoRows}
                disabled={busy}
                // The choice is tied to the row it was made for: without it the reader could find the header a row lower.
                onChange={(e) => void reread({ headerRow: state.headerRow ?? current, headerRows: e.target.checked ? 2 : 1, sheet: state.sheet })}
              />
              The column names span two rows: row {current} and row {current + 1} are read together (e.g. “Consumption” over “Quantity” and “Unit” gives “Consumption Quantity” and “Consumption Unit”)
            </label>
          )}
        </fieldset>
      )}
      {busy && <p role="status">Reading the sample again…</p>}
      {state.errors[1] && (
        <div className="wizard-error" role="alert">
          {state.errors[1]}
        </div>
      )}
    </section>
  );
}
