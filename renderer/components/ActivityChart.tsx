import type { Result } from '../../shared/api';

type Day = Result<'history.activity'>[number];

/** Rows synced per day as bars, failures as marks; an SVG with a text alternative for screen readers. */
export function ActivityChart({ days }: { days: Day[] }) {
  const max = Math.max(1, ...days.map((d) => d.rowsSynced));
  const totalRows = days.reduce((s, d) => s + d.rowsSynced, 0);
  const totalFailures = days.reduce((s, d) => s + d.failures, 0);
  const w = 600;
  const h = 120;
  const bw = w / Math.max(1, days.length);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${w} ${h + 16}`} role="img" aria-label={`Rows synced per day over the last ${days.length} days: ${totalRows.toLocaleString()} rows, ${totalFailures} failed runs.`}>
        {days.map((d, i) => {
          const bh = (d.rowsSynced / max) * h;
          return (
            <g key={d.day}>
              <title>{`${d.day}: ${d.rowsSynced.toLocaleString()} rows synced in ${d.runs} runs${d.failures ? `, ${d.failures} failed` : ''}`}</title>
              <rect x={i * bw + 1} y={h - bh} width={Math.max(1, bw - 2)} height={bh} className="chart-bar" />
              {d.failures > 0 && <circle cx={i * bw + bw / 2} cy={h + 8} r={3.5} className="chart-failure" />}
            </g>
          );
        })}
        <line x1={0} x2={w} y1={h} y2={h} className="chart-axis" />
      </svg>
      <figcaption className="muted">
        {totalRows.toLocaleString()} rows synced, {totalFailures} failed or blocked runs in the last {days.length} days
        {totalFailures > 0 && <span className="legend-failure"> (● marks a day with failures)</span>}
      </figcaption>
    </figure>
  );
}
