/**
 * Payouts created and completed per minute over the last hour, as inline SVG drawn on the
 * server: no chart library, no script, colours from the stylesheet (CSP allows no inline
 * style).
 */
import type { FC } from "hono/jsx";
import type { MinuteCounts } from "../../payouts/payout_counts.repository.ts";

const WIDTH = 600;
const HEIGHT = 180;
const LEFT = 36;
const BOTTOM = 22;
const TOP = 8;

/** The smallest of 1, 2, 5 × 10ⁿ at or above `n`, so the axis has round numbers. */
export function niceCeiling(n: number): number {
  if (n <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 5, 10]) if (step * power >= n) return step * power;
  return 10 * power;
}

function points(series: number[], max: number): string {
  const plotWidth = WIDTH - LEFT - 4;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const step = series.length > 1 ? plotWidth / (series.length - 1) : 0;
  return series
    .map((value, i) => {
      const x = LEFT + i * step;
      const y = TOP + plotHeight - (value / max) * plotHeight;
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(" ");
}

export const ThroughputChart: FC<{ perMinute: MinuteCounts[] }> = ({ perMinute }) => {
  const created = perMinute.map((m) => m.created);
  const completed = perMinute.map((m) => m.completed);
  const max = niceCeiling(Math.max(0, ...created, ...completed));
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const summary = `In the last ${perMinute.length} minutes ${sum(created)} payouts were ` +
    `created and ${sum(completed)} completed; at most ${Math.max(0, ...created)} created and ` +
    `${Math.max(0, ...completed)} completed in one minute.`;
  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-labelledby="chart-title chart-desc"
      >
        <title id="chart-title">Payouts created and completed per minute, last hour</title>
        <desc id="chart-desc">{summary}</desc>
        {[0, 0.5, 1].filter((share) => Number.isInteger(max * share)).map((share) => {
          const y = TOP + plotHeight - share * plotHeight;
          return (
            <g class="grid">
              <line x1={LEFT} x2={WIDTH - 4} y1={y} y2={y} />
              <text x={LEFT - 6} y={y + 4} text-anchor="end">{String(max * share)}</text>
            </g>
          );
        })}
        <text class="axis" x={LEFT} y={HEIGHT - 6}>−60 min</text>
        <text class="axis" x={WIDTH - 4} y={HEIGHT - 6} text-anchor="end">now</text>
        <polyline class="series created" points={points(created, max)} />
        <polyline class="series completed" points={points(completed, max)} />
      </svg>
      <figcaption>
        <span class="swatch created" aria-hidden="true"></span> created
        <span class="swatch completed" aria-hidden="true"></span> completed
        <span class="visually-hidden">{summary}</span>
      </figcaption>
    </figure>
  );
};
