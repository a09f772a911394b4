import { Badge } from '../components/ui';
import { ROLE_LABELS, confidenceTone, metricName, metricOptions } from './labels';
import { NoteList } from './NoteList';
import { Picker } from './Picker';
import { columnsStepNotes } from './state';
import type { PickerOption } from './Picker';
import type { StepProps } from './step';
import type { ColumnRole } from './types';

const ROLES = Object.keys(ROLE_LABELS) as ColumnRole[];

/**
 * The metric of a value column: picked from the platform's library, or typed when the platform
 * has none (a file platform such as Altruistiq), where the name is what gets sent.
 */
function MetricField(props: { free: boolean; label: string; hideLabel?: boolean; options: PickerOption[]; value: string; onChange: (id: string) => void }) {
  if (!props.free) return <Picker label={props.label} hideLabel={props.hideLabel} options={props.options} value={props.value} invalid={!props.value} onChange={props.onChange} />;
  return (
    <label className="picker">
      <span className={props.hideLabel ? 'visually-hidden' : 'picker-label'}>{props.label}</span>
      <input
        type="text"
        value={props.value}
        aria-invalid={!props.value.trim() || undefined}
        placeholder="Metric name, as the platform should receive it"
        onChange={(e) => props.onChange(e.target.value)}
      />
    </label>
  );
}

/** Step 3: what each column is, with the agent's suggestion and its reason next to it. */
export function StepColumns({ state, dispatch }: StepProps) {
  const metrics = state.catalogue?.metrics ?? [];
  const options = metricOptions(metrics);
  const free = state.catalogue?.freeMetrics === true;
  const suggestions = new Map((state.suggestion?.columns ?? []).map((c) => [c.column, c]));
  const perMetric = state.shape === 'wide' && state.wideKind === 'per-metric';
  const hasMetricColumn = Object.values(state.roles).includes('metric');
  const sampleOf = (column: string) => {
    const seen: string[] = [];
    for (const r of state.sample?.rows ?? []) {
      const v = r.cells[column];
      if (v !== null && v !== undefined && String(v).trim() && !seen.includes(String(v))) seen.push(String(v));
      if (seen.length >= 3) break;
    }
    return seen.join(', ');
  };

  return (
    <div className="wizard-step-body">
      {!perMetric && !hasMetricColumn && (
        <div className="wizard-panel">
          <MetricField
            free={free}
            label={state.shape === 'wide' ? 'Metric of every value column' : 'Metric of the values'}
            options={options}
            value={state.fixedMetricId}
            onChange={(id) => dispatch({ type: 'patch', patch: { fixedMetricId: id, preview: null } })}
          />
          {free && <p className="muted small">This platform has no metric library to choose from: type the metric (activity) name it expects.</p>}
          <p className="muted small">Or give one column the role “Metric name or code” when the rows name their metric.</p>
        </div>
      )}
      <NoteList label="Notes on the suggestions" notes={columnsStepNotes(state)} />
      <div className="wizard-scroll" role="region" aria-label="Column roles" tabIndex={0}>
        <table className="table wizard-columns">
          <thead>
            <tr>
              <th scope="col">Column</th>
              <th scope="col">Example values</th>
              <th scope="col">{perMetric ? 'Role and metric' : 'Role'}</th>
              <th scope="col">Suggestion</th>
            </tr>
          </thead>
          <tbody>
            {state.headers.map((h) => {
              const role = state.roles[h] ?? 'ignore';
              const s = suggestions.get(h);
              return (
                <tr key={h} className={role === 'ignore' ? 'unused' : undefined}>
                  <th scope="row">{h}</th>
                  <td className="muted small truncate wizard-examples">{sampleOf(h)}</td>
                  <td className="wizard-role">
                    <select aria-label={`Role of column ‘${h}’`} value={role} onChange={(e) => dispatch({ type: 'role', column: h, role: e.target.value as ColumnRole })}>
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {ROLE_LABELS[r]}
                        </option>
                      ))}
                    </select>
                    {perMetric && role === 'value' && (
                      <MetricField
                        free={free}
                        label={`Metric of column ‘${h}’`}
                        hideLabel
                        options={options}
                        value={state.metricFor[h] ?? ''}
                        onChange={(id) => dispatch({ type: 'patch', patch: { metricFor: { ...state.metricFor, [h]: id }, preview: null } })}
                      />
                    )}
                  </td>
                  <td className="small wizard-suggestion">
                    {s && s.role !== 'ignore' ? (
                      <>
                        <Badge tone={confidenceTone(s.confidence)}>{Math.round(s.confidence * 100)}%</Badge>{' '}
                        <span>{ROLE_LABELS[s.role]}</span>
                        {s.metricId && <span>: {metricName(metrics, s.metricId)}</span>}
                        <div className="muted">{s.reason}</div>
                      </>
                    ) : s && s.confidence >= 0.75 ? (
                      // Left out for a reason worth saying (an identifier, a total, the source's watermark), not for lack of one.
                      <>
                        <span>{ROLE_LABELS.ignore}</span>
                        <div className="muted">{s.reason}</div>
                      </>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
