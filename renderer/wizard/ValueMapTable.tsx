import { useState } from 'react';
import { Badge } from '../components/ui';
import { Picker, type PickerOption } from './Picker';

/** Local values seen in the sample → platform ids, with "map all unmapped to…". */
export function ValueMapTable({
  title,
  localHeading,
  locals,
  map,
  options,
  autoMatch,
  onChange,
}: {
  title: string;
  localHeading: string;
  locals: string[];
  map: Record<string, string>;
  options: PickerOption[];
  /** The platform id a value already matches by its code or name, without a map entry. */
  autoMatch: (local: string) => string | null;
  onChange: (map: Record<string, string>) => void;
}) {
  const [bulk, setBulk] = useState('');
  const lookup = (local: string) => map[local] ?? Object.entries(map).find(([k]) => k.trim().toLowerCase() === local.trim().toLowerCase())?.[1];
  const unmapped = locals.filter((l) => !lookup(l) && !autoMatch(l));
  return (
    <section className="wizard-panel" aria-label={title}>
      <h3>{title}</h3>
      {locals.length === 0 ? (
        <p className="muted">No values were seen in the sample.</p>
      ) : (
        <table className="table wizard-valuemap">
          <thead>
            <tr>
              <th scope="col">{localHeading}</th>
              <th scope="col">On the platform</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {locals.map((l) => {
              const mapped = lookup(l);
              const auto = autoMatch(l);
              return (
                <tr key={l}>
                  <th scope="row">{l}</th>
                  <td>
                    <Picker
                      label={`Platform value for ‘${l}’`}
                      hideLabel
                      options={options}
                      value={mapped ?? auto ?? ''}
                      invalid={!mapped && !auto}
                      onChange={(id) => onChange({ ...map, [l]: id })}
                    />
                  </td>
                  <td>{mapped ? <Badge tone="ok">Mapped</Badge> : auto ? <Badge tone="info">Matched by code</Badge> : <Badge tone="warn">Not mapped</Badge>}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {unmapped.length > 0 && (
        <div className="wizard-bulk">
          <Picker label={`Map all ${unmapped.length} unmapped to…`} options={options} value={bulk} onChange={setBulk} />
          <button
            type="button"
            className="button"
            disabled={!bulk}
            onClick={() => {
              onChange({ ...map, ...Object.fromEntries(unmapped.map((u) => [u, bulk])) });
              setBulk('');
            }}
          >
            Apply to unmapped
          </button>
        </div>
      )}
    </section>
  );
}
