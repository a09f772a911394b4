import { DATE_FORMATS, formatExample, formatGranularity, type DateFormat } from '../../shared/mapping/dates';
import type { UnknownValuePolicy } from '../../shared/mapping/profile';
import { MONTHS, ROLE_LABELS, entityOptions, metricOptions, sourceWords } from './labels';
import { Picker } from './Picker';
import type { StepProps } from './step';
import { fromDatabase, valueMapLines, type PeriodMode, type WizardState } from './state';
import { ValueMapTable } from './ValueMapTable';

const POLICIES: Array<{ id: UnknownValuePolicy; label: string }> = [
  { id: 'hold', label: 'Hold the row and ask me (nothing is sent for it until mapped)' },
  { id: 'skip', label: 'Skip the row' },
  { id: 'reject', label: 'Reject the row as an error' },
];

const PERIOD_MODES: Array<{ id: PeriodMode; label: string }> = [
  { id: 'constant-year', label: 'Month columns of one year I type here' },
  { id: 'year', label: 'A year column (with month columns, or yearly values)' },
  { id: 'year-month', label: 'A year column and a month column' },
  { id: 'date', label: 'A date column' },
  { id: 'range', label: 'Start and end date columns' },
  { id: 'fixed', label: 'One fixed period for every row' },
];

type Grain = WizardState['granularity'];

/**
 * What "each row's period" can be for a date or a year and month: the date's own day (for a
 * transaction or meter log), or the month, quarter or (fiscal) year it falls in. Never finer than
 * the cells themselves: a month label cannot be reported per day.
 */
export function grainChoices(mode: PeriodMode, format: DateFormat | ''): Array<{ id: Grain; label: string }> {
  const own = mode === 'date' && format ? formatGranularity(format) : 'month';
  const all: Array<{ id: Grain; rank: number; label: string }> = [
    { id: 'custom', rank: 0, label: 'Its own day (one row per transaction or reading)' },
    { id: 'month', rank: 1, label: 'The month it falls in' },
    { id: 'quarter', rank: 2, label: 'The quarter it falls in' },
    { id: 'year', rank: 3, label: 'The year it falls in (calendar or fiscal, below)' },
  ];
  const rank = { day: 0, month: 1, quarter: 2, year: 3 }[own];
  return all.filter((g) => g.rank >= rank).map(({ id, label }) => ({ id, label }));
}

function GrainField(props: { mode: PeriodMode; format: DateFormat | ''; granularity: Grain; onChange: (g: Grain) => void }) {
  const choices = grainChoices(props.mode, props.format);
  // 'custom' on a coarser date is that date's own month or quarter: the first choice.
  const value = choices.some((c) => c.id === props.granularity) ? props.granularity : choices[0]!.id;
  return (
    <label className="field">
      <span>Each row's period</span>
      <select value={value} onChange={(e) => props.onChange(e.target.value as Grain)}>
        {choices.map((c) => (
          <option key={c.id} value={c.id}>
            {c.label}
          </option>
        ))}
      </select>
    </label>
  );
}

/** What the platform gets when rows of a file share a metric, site and period (it holds one value for each). */
function SameKeyRowsField(props: { value: WizardState['sameKeyRows']; onChange: (v: WizardState['sameKeyRows']) => void }) {
  return (
    <fieldset className="field">
      <legend>Rows with the same metric, site and period</legend>
      <label className="radio">
        <input type="radio" name="same-key-rows" checked={props.value === 'reject'} onChange={() => props.onChange('reject')} />
        Hold them back as duplicates (each should be on one row)
      </label>
      <label className="radio">
        <input type="radio" name="same-key-rows" checked={props.value === 'add'} onChange={() => props.onChange('add')} />
        Add them up into one value (parts of one total: fuel card fill-ups, invoice lines)
      </label>
      {props.value === 'add' && (
        <p className="muted small">
          The rows of one file (or of the whole table, for a database) are added up. A later file with the same metric, site and period replaces that total, so
          each file should hold whole periods.
        </p>
      )}
    </fieldset>
  );
}

const column = (roles: Record<string, string>, role: string) => Object.keys(roles).find((c) => roles[c] === role);

/** Step 4: which platform site each local code is, and which reporting period each value is for. */
export function StepSites({ state, dispatch }: StepProps) {
  const entities = state.catalogue?.entities ?? [];
  const metrics = state.catalogue?.metrics ?? [];
  const entityCol = column(state.roles, 'entity');
  const metricCol = column(state.roles, 'metric');
  const words = sourceWords(fromDatabase(state), state.source?.query);
  const norm = (s: string) => s.trim().toLowerCase();
  const patch = (p: Partial<typeof state>) => dispatch({ type: 'patch', patch: { ...p, preview: null } });

  return (
    <div className="wizard-step-body">
      <h3 className="wizard-subhead">Sites</h3>
      <fieldset className="field">
        <legend>Which site is each row for?</legend>
        <label className="radio">
          <input type="radio" name="entityMode" checked={state.entityMode === 'column'} onChange={() => patch({ entityMode: 'column' })} />
          The column {entityCol ? <strong>‘{entityCol}’</strong> : '(give a column the role “Site” in the Columns step)'}
        </label>
        <label className="radio">
          <input type="radio" name="entityMode" checked={state.entityMode === 'fixed'} onChange={() => patch({ entityMode: 'fixed' })} />
          Every row is for one site
        </label>
      </fieldset>
      {state.entityMode === 'fixed' ? (
        <Picker label="Site of every row" options={entityOptions(entities)} value={state.fixedEntityId} onChange={(id) => patch({ fixedEntityId: id })} />
      ) : (
        entityCol && (
          <>
            <ValueMapTable
              title={`Site codes in ‘${entityCol}’`}
              localHeading={words.localHeading}
              later={words.laterPlural}
              lines={valueMapLines(state, 'entity')}
              hasSample={Boolean(state.sample)}
              map={state.entityValueMap}
              options={entityOptions(entities)}
              autoMatch={(l) => entities.find((e) => (e.externalRef && norm(e.externalRef) === norm(l)) || norm(e.name) === norm(l))?.id ?? null}
              onChange={(m) => patch({ entityValueMap: m })}
            />
            <fieldset className="field">
              <legend>When a site code appears that is not mapped yet</legend>
              {POLICIES.map((p) => (
                <label key={p.id} className="radio">
                  <input type="radio" name="unknownEntity" checked={state.unknownEntity === p.id} onChange={() => patch({ unknownEntity: p.id })} />
                  {p.label}
                </label>
              ))}
              <label className="checkbox">
                <input type="checkbox" checked={state.entityMatchCatalogue} onChange={(e) => patch({ entityMatchCatalogue: e.target.checked })} />
                But first look it up on the platform: a code that is exactly a platform {state.entityLabel || 'site'}’s reference or name is taken as that {state.entityLabel || 'site'}, without asking
              </label>
              <small className="muted">
                Convenient when the platform’s sites carry your codes as their reference. Turn it off if the service account also sees other companies’ sites. Each run lists the codes it matched this way.
              </small>
            </fieldset>
          </>
        )
      )}
      {metricCol && (
        <ValueMapTable
          title={`Metric names in ‘${metricCol}’`}
          localHeading={words.localHeading}
          later={words.laterPlural}
          lines={valueMapLines(state, 'metric')}
          hasSample={Boolean(state.sample)}
          map={state.metricValueMap}
          options={metricOptions(metrics)}
          autoMatch={(l) => metrics.find((m) => norm(m.code) === norm(l) || norm(m.name) === norm(l))?.id ?? null}
          onChange={(m) => patch({ metricValueMap: m })}
        />
      )}

      <h3 className="wizard-subhead">Periods</h3>
      <label className="field">
        <span>The reporting period comes from</span>
        <select value={state.periodMode} onChange={(e) => dispatch({ type: 'periodMode', mode: e.target.value as PeriodMode })}>
          {PERIOD_MODES.map((m) => (
            <option key={m.id} value={m.id}>
              {m.label}
            </option>
          ))}
        </select>
      </label>
      {state.periodMode === 'constant-year' && (
        <label className="field">
          <span>Year of the month columns</span>
          <input type="text" inputMode="numeric" pattern="\d{4}" value={state.constantYear} onChange={(e) => patch({ constantYear: e.target.value })} placeholder="e.g. 2023" />
          <small className="muted">With a fiscal year, type the year the fiscal year is named after.</small>
        </label>
      )}
      {(state.periodMode === 'date' || state.periodMode === 'range') && (
        <label className="field">
          <span>Date format</span>
          <select value={state.dateFormat} onChange={(e) => patch({ dateFormat: e.target.value as DateFormat })}>
            <option value="">Choose…</option>
            {DATE_FORMATS.map((f) => (
              <option key={f} value={f}>
                {f} — e.g. {formatExample(f)}
              </option>
            ))}
          </select>
        </label>
      )}
      {['date', 'range', 'year', 'year-month'].includes(state.periodMode) && (
        <p className="muted small">
          Columns used:{' '}
          {(['period', 'period-start', 'period-end', 'year', 'month'] as const)
            .map((r) => (column(state.roles, r) ? `${ROLE_LABELS[r]} = ‘${column(state.roles, r)}’` : null))
            .filter(Boolean)
            .join(', ') || 'none yet — set the roles in the Columns step'}
        </p>
      )}
      {(state.periodMode === 'date' || state.periodMode === 'year-month') && (
        <GrainField mode={state.periodMode} format={state.dateFormat} granularity={state.granularity} onChange={(granularity) => patch({ granularity })} />
      )}
      <SameKeyRowsField value={state.sameKeyRows} onChange={(sameKeyRows) => patch({ sameKeyRows })} />
      {state.periodMode === 'fixed' && (
        <div className="wizard-row">
          <label className="field">
            <span>First day</span>
            <input type="date" value={state.fixedStart} onChange={(e) => patch({ fixedStart: e.target.value })} />
          </label>
          <label className="field">
            <span>Last day</span>
            <input type="date" value={state.fixedEnd} onChange={(e) => patch({ fixedEnd: e.target.value })} />
          </label>
        </div>
      )}
      <label className="field">
        <span>Fiscal year starts in</span>
        <select value={state.fiscalYearStartMonth} onChange={(e) => patch({ fiscalYearStartMonth: Number(e.target.value) })}>
          {MONTHS.map((m, i) => (
            <option key={m} value={i + 1}>
              {m}
              {i === 0 ? ' (calendar year)' : ''}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}
