import type { SourceRow } from '../../shared/domain';

/** The first rows of the sample as read, so a person can check the header was found right. */
export function SampleTable({ headers, rows, max = 6 }: { headers: string[]; rows: SourceRow[]; max?: number }) {
  return (
    <div className="wizard-scroll" tabIndex={0} role="region" aria-label="First rows of the sample">
      <table className="table wizard-sample">
        <thead>
          <tr>
            <th scope="col">Line</th>
            {headers.map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.slice(0, max).map((r) => (
            <tr key={r.line}>
              <td className="muted num">{r.line}</td>
              {headers.map((h) => (
                <td key={h}>{r.cells[h] === null || r.cells[h] === undefined ? '' : String(r.cells[h])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
