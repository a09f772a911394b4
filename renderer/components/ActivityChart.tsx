import type { Result } from '../../shared/api';

type Day = Result<'history.activity'>[number];

const dayLabel = (iso: string) => new Date(`${iso}T00:00:00Z`).toLocaleDateString(undefined, { day: 'numeric', month: 'short', timeZone: 'UTC' });

/** Values synced per day as bars, failures as marks; an SVG with a text alternative for screen readers. */
export function ActivityChart({ days }: { days: Day[] }) {
  const max = Math.max(1, ...days.map((d) => d.rowsSynced));
  const totalRows = days.reduce((s, d) => s + d.rowsSynced, 0);
  const totalRuns = days.reduce((s, d) => s + d.runs, 0);
  const totalFailures = days.reduce((s, d) => s + d.failures, 0);
  const w = 600;
  const h = 120;
  const bw = w / Math.max(1, days.length);
  // A lone busy day must not look like a wall: bars stay at most a bar-width-and-a-bit wide.
  const barWidth = Math.max(1, Math.min(bw - 2, 18));
  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${w} ${h + 16}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={`Values synced per day over the last ${days.length} days: ${totalRows.toLocaleString()} values in ${totalRuns} runs, ${totalFailures} failed.`}
      >
        {days.map((d, i) => {
          const bh = d.rowsSynced > 0 ? Math.max(2, (d.rowsSynced / max) * h) : 0;
          return (
            <g key={d.day}>
              <title>{`${dayLabel(d.day)}: ${d.rowsSynced.toLocaleString()} values sent in ${d.runs} run${d.runs === 1 ? '' : 's'}${d.failures ? `, ${d.failures} failed` : ''}`}</title>
              <rect x={i * bw + (bw - barWidth) / 2} y={h - bh} width={barWidth} height={bh} className="chart-bar" />
              {d.failures > 0 && <rect x={i * bw + (bw - barWidth) / 2} y={h + 5} width={barWidth} height={6} rx={1} className="chart-failure" />}
            </g>
          );
        })}
        <line x1={0} x2={w} y1={h} y2={h} className="chart-axis" />
      </svg>
      {days.length > 0 && (
        <div className="chart-scale muted" aria-hidden="true">
          <span>{dayLabel(days[0]!.day)}</span>
          <span>{dayLabel(days[days.length - 1]!.day)}</span>
        </div>
      )}
      <figcaption className="muted">
        {totalRows.toLocaleString()} values sent to the platform in {totalRuns} run{totalRuns === 1 ? '' : 's'}, {totalFailures} failed or blocked in the last {days.length} days
        {totalFailures > 0 && <span className="legend-failure"> (a red mark under a day means some of its runs failed)</span>}
      </figcaption>
    </figure>
  );
}
