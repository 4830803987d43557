/**
 * The columns the single-version tables (report.ts) and the comparison tables
 * (report_comparison.ts) share, so a figure is shown the same way in both.
 */
import { type Column, field, percent } from "./table.ts";

export const ENDPOINT: Column<{ endpoint: string }> = ["endpoint", (s) => `\`${s.endpoint}\``];
export const SIDE: Column<{ side?: string }> = ["side", (x) => x.side ?? ""];
export const CONNECTIONS = field("conns", "connections");
export const ROUND = field("round", "round");
export const RPS = field("req/s", "rps");
export const P50 = field("p50 ms", "p50_ms");
export const P90 = field("p90 ms", "p90_ms");
export const P99 = field("p99 ms", "p99_ms");
export const NON_2XX: Column<{ non_2xx: number; socket_errors: number }> = [
  "non-2xx",
  (s) => s.non_2xx + s.socket_errors,
];
export const API_CPU = percent("API CPU", "api_cpu_pct");
export const PG_CPU = percent("PG CPU", "postgres_cpu_pct");
export const REDIS_CPU = percent("Redis CPU", "redis_cpu_pct");
export const WRK_CPU = percent("wrk CPU", "loadgen_cpu_pct");
export const MACHINE = percent("machine", "machine_cpu_pct");

/** An end-to-end run's figures, from its duration to its failed payouts. */
export const END_TO_END: Column<{
  seconds: number;
  payouts_per_s: number;
  lag_p50_ms: number;
  lag_p99_ms: number;
  lag_max_ms: number;
  failed: number;
}>[] = [
  field("seconds", "seconds"),
  field("payouts/s", "payouts_per_s"),
  field("lag p50 ms", "lag_p50_ms"),
  field("lag p99 ms", "lag_p99_ms"),
  field("lag max ms", "lag_max_ms"),
  field("failed", "failed"),
];

export const WORKER_CPU: Column<{ worker_cpu_pct: number[] }> = [
  "worker CPU",
  (e) => e.worker_cpu_pct.map((c) => `${c}%`).join(" + "),
];

/** "1 worker", "2 workers". */
export function workerCount(n: number): string {
  return `${n} worker${n > 1 ? "s" : ""}`;
}
