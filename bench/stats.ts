/** Small statistics over latency samples. */

/** The nearest-rank percentile `p` (0–100) of ascending `sorted` values; 0 when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export interface LatencySummary {
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
}

/** p50/p90/p99/max of latencies in milliseconds, rounded to 0.01 ms. */
export function summarize(latenciesMs: number[]): LatencySummary {
  const sorted = Float64Array.from(latenciesMs).sort();
  const values = Array.from(sorted);
  return {
    p50_ms: round(percentile(values, 50), 2),
    p90_ms: round(percentile(values, 90), 2),
    p99_ms: round(percentile(values, 99), 2),
    max_ms: round(values.at(-1) ?? 0, 2),
  };
}

/** Rounds to `digits` decimal places. */
export function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** a ÷ b, or 0 when b is 0 (a ratio of nothing measured). */
export function ratio(a: number, b: number): number {
  return b > 0 ? round(a / b, 3) : 0;
}

/** The median of `values` (the mean of the middle two for an even count); 0 when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
