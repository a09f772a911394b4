import { useEffect, useId, useMemo, useState } from 'react';
import { client } from '../bridge/client';
import { formatInZone, MAX_MONTH_DAY, PRESET_LABELS, presetProblem, switchPreset, timeZones, toCron, WEEKDAYS, type Preset, type PresetKind } from './schedule';

interface Described {
  expression: string;
  timezone: string;
  valid: boolean;
  text: string;
  next: string[];
}

/**
 * The engine's reading of an expression (cronstrue text, validity and the next 5 runs from
 * cron-parser, in the time zone), refreshed shortly after the person stops typing.
 */
function useDescription(expression: string | null, timezone: string): { described: Described | null; error: string | null } {
  const [described, setDescribed] = useState<Described | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!expression || !timezone) {
      setDescribed(null);
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      client
        .call('jobs.describeSchedule', { schedule: expression, timezone })
        .then((r) => {
          if (!live) return;
          setDescribed({ expression, timezone, ...r });
          setError(null);
        })
        .catch((err: unknown) => live && setError(err instanceof Error ? err.message : String(err)));
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [expression, timezone]);
  return { described: described && described.expression === expression && described.timezone === timezone ? described : null, error };
}

const localZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

export function CronEditor({
  preset,
  timezone,
  onPreset,
  onTimezone,
  error,
  noSchedule,
}: {
  preset: Preset;
  timezone: string;
  onPreset: (p: Preset) => void;
  onTimezone: (tz: string) => void;
  /** A message from the form's own validation (e.g. "this job would never run"). */
  error?: string;
  /**
   * What "no schedule" means for this job (when it runs instead), or null where a job needs one.
   * A job saved without one elsewhere (the CLI) still shows it as it is, not as the first choice.
   */
  noSchedule: { label: string; text: string } | null;
}) {
  const id = useId();
  const zones = useMemo(() => timeZones(), []);
  const expression = toCron(preset);
  const { described, error: callError } = useDescription(expression, timezone);
  const fieldProblem = presetProblem(preset);
  const message = error ?? fieldProblem ?? (described && !described.valid ? `This is not a schedule the agent can run: ${described.text}` : null);
  const kinds = (Object.keys(PRESET_LABELS) as PresetKind[]).filter((k) => noSchedule !== null || k !== 'none' || preset.kind === 'none');
  const label = (k: PresetKind) => (k === 'none' ? (noSchedule?.label ?? 'No schedule (by hand only)') : PRESET_LABELS[k]);
  const time = (p: Extract<Preset, { time: string }>) => (
    <div className="field jobs-inline-field">
      <label htmlFor={`${id}-time`}>At (hh:mm)</label>
      <input id={`${id}-time`} type="time" value={p.time} required onChange={(e) => onPreset({ ...p, time: e.target.value })} />
    </div>
  );

  return (
    <fieldset className="cron-editor" aria-describedby={`${id}-summary`}>
      <legend className="jobs-legend">Schedule</legend>
      <div className="jobs-row">
        <div className="field">
          <label htmlFor={`${id}-kind`}>Runs</label>
          <select id={`${id}-kind`} value={preset.kind} onChange={(e) => onPreset(switchPreset(preset, e.target.value as PresetKind))}>
            {kinds.map((k) => (
              <option key={k} value={k}>
                {label(k)}
              </option>
            ))}
          </select>
        </div>
        {preset.kind === 'hourly' && (
          <div className="field jobs-inline-field">
            <label htmlFor={`${id}-minute`}>Minutes past the hour</label>
            <input id={`${id}-minute`} type="number" min={0} max={59} value={Number.isNaN(preset.minute) ? '' : preset.minute} onChange={(e) => onPreset({ ...preset, minute: e.target.value === '' ? Number.NaN : Number(e.target.value) })} />
          </div>
        )}
        {preset.kind === 'weekly' && (
          <div className="field jobs-inline-field">
            <label htmlFor={`${id}-weekday`}>Day of the week</label>
            <select id={`${id}-weekday`} value={preset.weekday} onChange={(e) => onPreset({ ...preset, weekday: Number(e.target.value) })}>
              {WEEKDAYS.map((d, i) => (
                <option key={d} value={i}>
                  {d}
                </option>
              ))}
            </select>
          </div>
        )}
        {preset.kind === 'monthly' && (
          <div className="field jobs-inline-field">
            <label htmlFor={`${id}-day`}>Day of the month</label>
            <select id={`${id}-day`} value={preset.day} onChange={(e) => onPreset({ ...preset, day: Number(e.target.value) })}>
              {Array.from({ length: MAX_MONTH_DAY }, (_, i) => i + 1).map((d) => (
                <option key={d} value={d}>
                  {d}
                </option>
              ))}
            </select>
          </div>
        )}
        {(preset.kind === 'daily' || preset.kind === 'weekdays' || preset.kind === 'weekly' || preset.kind === 'monthly') && time(preset)}
        {preset.kind === 'custom' && (
          <div className="field jobs-cron-input">
            <label htmlFor={`${id}-cron`}>Cron expression</label>
            <input
              id={`${id}-cron`}
              value={preset.expression}
              spellCheck={false}
              autoComplete="off"
              aria-invalid={message ? true : undefined}
              aria-describedby={`${id}-cron-help`}
              onChange={(e) => onPreset({ kind: 'custom', expression: e.target.value })}
            />
            <span id={`${id}-cron-help`} className="muted small">
              minute hour day-of-month month day-of-week, e.g. <code>*/15 7-19 * * 1-5</code>; a sixth field in front adds seconds.
            </span>
          </div>
        )}
        {preset.kind !== 'none' && (
          <div className="field">
            <label htmlFor={`${id}-tz`}>Time zone</label>
            <select id={`${id}-tz`} value={timezone} onChange={(e) => onTimezone(e.target.value)}>
              {!zones.includes(timezone) && <option value={timezone}>{timezone}</option>}
              {zones.map((z) => (
                <option key={z} value={z}>
                  {z.replace(/_/g, ' ')}
                  {z === localZone ? ' (this computer)' : ''}
                </option>
              ))}
            </select>
          </div>
        )}
      </div>

      <div id={`${id}-summary`} className="cron-summary" role="status" aria-live="polite" aria-label="Schedule summary">
        {message ? (
          <p className="field-error" role="alert">
            {message}
          </p>
        ) : preset.kind === 'none' ? (
          <p className="muted">{noSchedule?.text ?? 'Runs only when you press Run now.'}</p>
        ) : callError ? (
          <p className="field-error">Could not check the schedule: {callError}</p>
        ) : !described ? (
          <p className="muted">Checking the schedule…</p>
        ) : (
          <>
            <p className="cron-description">
              <strong>{described.text}</strong> <span className="muted">({timezone.replace(/_/g, ' ')})</span>
              {expression && preset.kind !== 'custom' && (
                <>
                  {' '}
                  · <code>{expression}</code>
                </>
              )}
            </p>
            <h3 className="jobs-subhead">Next 5 runs</h3>
            <ol className="cron-next" aria-label="Next 5 runs">
              {described.next.map((iso) => (
                <li key={iso}>
                  <time dateTime={iso}>{formatInZone(iso, timezone)}</time>
                  {timezone !== localZone && <span className="muted small"> — {formatInZone(iso, localZone)} here</span>}
                </li>
              ))}
            </ol>
          </>
        )}
      </div>
    </fieldset>
  );
}
