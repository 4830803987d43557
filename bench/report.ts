/** The printed tables of a run (docs/performance.md shows the same). */
import type { ApiScenario } from "./api_phase.ts";
import type { EndToEndRun } from "./e2e_phase.ts";
import type { RawCreateRun, RawProcessingRun } from "./raw_phase.ts";
import {
  API_CPU,
  CONNECTIONS,
  END_TO_END,
  ENDPOINT,
  MACHINE,
  NON_2XX,
  P50,
  P90,
  P99,
  PG_CPU,
  REDIS_CPU,
  ROUND,
  RPS,
  WORKER_CPU,
  workerCount,
  WRK_CPU,
} from "./report_columns.ts";
import { comparisonTables, growthTables } from "./report_comparison.ts";
import type { BenchResults } from "./results.ts";
import { type Column, columnTable, field, percent, table } from "./table.ts";

const API: Column<ApiScenario>[] = [
  field("log", "log_level"),
  ENDPOINT,
  CONNECTIONS,
  ROUND,
  RPS,
  P50,
  P90,
  P99,
  NON_2XX,
  API_CPU,
  PG_CPU,
  REDIS_CPU,
  WRK_CPU,
  MACHINE,
  field("log B/req", "log_bytes_per_request"),
];

const RAW_CREATE: Column<RawCreateRun>[] = [
  ["raw create (SQL + XADD, no HTTP)", () => "insertPayout + XADD + outbox delete"],
  CONNECTIONS,
  ROUND,
  field("ops/s", "rps"),
  P50,
  P90,
  P99,
  percent("CPU", "cpu_pct"),
  PG_CPU,
  MACHINE,
];

const E2E: Column<EndToEndRun>[] = [
  ["end to end", (e) => `${workerCount(e.workers)}${e.webhooks ? " + webhooks" : ""}`],
  ROUND,
  field("payouts", "payouts"),
  field("clients", "clients"),
  ...END_TO_END,
  API_CPU,
  WORKER_CPU,
  PG_CPU,
  REDIS_CPU,
  WRK_CPU,
  MACHINE,
  field("worker RSS MB", "worker_peak_rss_mb"),
];

const WEBHOOKS: Column<EndToEndRun>[] = [
  ["webhooks (one endpoint, every event)", (e) => workerCount(e.workers)],
  ROUND,
  field("payouts/s", "payouts_per_s"),
  ["delivered", (e) => e.webhooks_delivered ?? 0],
  ["failed", (e) => e.webhooks_failed ?? 0],
  ["seconds to last delivery", (e) => e.webhook_seconds ?? 0],
  ["delivery lag p50 ms", (e) => e.webhook_lag_p50_ms ?? 0],
  ["p99 ms", (e) => e.webhook_lag_p99_ms ?? 0],
  ["max ms", (e) => e.webhook_lag_max_ms ?? 0],
];

const RAW_PROCESSING: Column<RawProcessingRun>[] = [
  [
    "raw processing (claim, provider, finish, XACK)",
    (p) => `${p.processes} process${p.processes > 1 ? "es" : ""} × ${p.concurrency_per_process}`,
  ],
  ROUND,
  field("payouts", "payouts"),
  field("seconds", "seconds"),
  field("payouts/s", "per_s"),
  field("job p50 ms", "job_p50_ms"),
  field("job p99 ms", "job_p99_ms"),
  percent("CPU", "cpu_pct"),
  PG_CPU,
  MACHINE,
];

/** The results as Markdown tables (docs/performance.md uses the same). */
export function formatTables(r: BenchResults): string {
  if (r.sides) {
    return [...comparisonTables(r), ...growthTables(r), targetTable(r)].join("\n\n") + "\n";
  }
  const withHooks = r.end_to_end.filter((e) => e.webhooks);
  return [
    columnTable(API, r.api),
    columnTable(RAW_CREATE, r.raw_create),
    columnTable(E2E, r.end_to_end),
    ...(withHooks.length > 0 ? [columnTable(WEBHOOKS, withHooks)] : []),
    columnTable(RAW_PROCESSING, r.raw_processing),
    ratioTable(r),
    ...growthTables(r),
    targetTable(r),
  ].join("\n\n") + "\n";
}

function ratioTable(r: BenchResults): string {
  return table(
    ["ratio", "value"],
    [
      ...r.ratios.api_post_vs_raw_create.map((x) => [
        `API POST ÷ raw create, ${x.connections} conns, ${x.log_level}, round ${x.round}`,
        x.ratio,
      ]),
      ...r.ratios.e2e_vs_raw_processing.map((x) => [
        `end to end ÷ raw processing, ${workerCount(x.workers)}, round ${x.round}`,
        x.ratio,
      ]),
      ...r.ratios.e2e_with_webhooks_vs_without.map((x) => [
        `end to end with a webhook endpoint ÷ without, ${workerCount(x.workers)}, round ${x.round}`,
        x.ratio,
      ]),
      ["API peak RSS MB", r.memory.api_peak_rss_mb],
      ["worker peak RSS MB", r.memory.worker_peak_rss_mb],
    ],
  );
}

function targetTable(r: BenchResults): string {
  return table(
    ["target", "measured", "limit", "holds"],
    r.targets.map((t) => [t.name, t.value, `${t.op} ${t.limit}`, t.holds ? "yes" : "**no**"]),
  );
}
