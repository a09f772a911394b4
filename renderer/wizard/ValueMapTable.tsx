import { useState } from 'react';
import { Badge } from '../components/ui';
import { Picker, type PickerOption } from './Picker';
import type { ValueMapLine } from './state';

/**
 * Local values → platform ids, with "map all unmapped to…": the values the sample has and the
 * ones the mapping already maps (see `valueMapLines`), each saved one marked as such.
 */
export function ValueMapTable({
  title,
  localHeading,
  later = 'later files',
  lines,
  hasSample,
  map,
  options,
  autoMatch,
  onChange,
}: {
  title: string;
  localHeading: string;
  /** Where the mapping applies next: 'later files', or a database's 'new rows'. */
  later?: string;
  lines: ValueMapLine[];
  /** Whether a sample was read: without one, only what the mapping maps can be listed. */
  hasSample: boolean;
  map: Record<string, string>;
  options: PickerOption[];
  /** The platform id a value already matches by its code or name, without a map entry. */
  autoMatch: (local: string) => string | null;
  onChange: (map: Record<string, string>) => void;
}) {
  const [bulk, setBulk] = useState('');
  const norm = (v: string) => v.trim().toLowerCase();
  // The map's own spelling of a value, so changing 'par-09' changes the saved 'PAR-09' entry rather than adding a second.
  const keyOf = (local: string) => (local in map ? local : (Object.keys(map).find((k) => norm(k) === norm(local)) ?? local));
  const lookup = (local: string): string | undefined => map[keyOf(local)] || undefined;
  const unmapped = lines.filter((l) => !lookup(l.local) && !autoMatch(l.local)).map((l) => l.local);
  const missing = lines.some((l) => !l.inSample);
  return (
    <section className="wizard-panel" aria-label={title}>
      <h3>{title}</h3>
      {lines.length === 0 ? (
        <p className="muted">{hasSample ? 'No values were seen in the sample.' : 'No sample was read, and the mapping maps no values yet.'}</p>
      ) : (
        <>
          {missing && (
            <p className="muted small">
              {hasSample
                ? `Values marked “not in this sample” are mapped by this mapping already: they still apply to ${later}, and can be changed here.`
                : `No sample was read: these are the values this mapping maps already. They apply to ${later}, and can be changed here.`}
            </p>
          )}
          <table className="table wizard-valuemap">
            <thead>
              <tr>
                <th scope="col">{localHeading}</th>
                <th scope="col">On the platform</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {lines.map(({ local: l, inSample, saved }) => {
                const mapped = lookup(l);
                const auto = autoMatch(l);
                const note = saved ? (inSample ? 'saved' : hasSample ? 'saved, not in this sample' : 'saved') : inSample ? null : 'not in this sample';
                return (
                  <tr key={l}>
                    <th scope="row">
                      {l}
                      {note && (
                        <span className="muted small" style={{ fontWeight: 'normal' }}>
                          {' '}
                          ({note})
                        </span>
                      )}
                    </th>
                    <td>
                      <Picker
                        label={`Platform value for ‘${l}’`}
                        hideLabel
                        options={options}
                        value={mapped ?? auto ?? ''}
                        invalid={!mapped && !auto}
                        onChange={(id) => onChange({ ...map, [keyOf(l)]: id })}
                      />
                    </td>
                    <td>{mapped ? <Badge tone="ok">Mapped</Badge> : auto ? <Badge tone="info">Matched by code</Badge> : <Badge tone="warn">Not mapped</Badge>}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      )}
      {unmapped.length > 0 && (
        <div className="wizard-bulk">
          <Picker label={`Map all ${unmapped.length} unmapped to…`} options={options} value={bulk} onChange={setBulk} />
          <button
            type="button"
            className="button"
            disabled={!bulk}
            onClick={() => {
              onChange({ ...map, ...Object.fromEntries(unmapped.map((u) => [keyOf(u), bulk])) });
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
