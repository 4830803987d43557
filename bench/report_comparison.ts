/** The printed tables of the phases added for issue 13: HEAD ÷ baseline, open loop, growth. */
import type { ApiScenario } from "./api_phase.ts";
import type { GrowthRatio } from "./comparison.ts";
import type { EndToEndRun } from "./e2e_phase.ts";
import type { GrowthScenario } from "./growth_phase.ts";
import type { OpenLoopRun } from "./open_loop_phase.ts";
import {
  API_CPU,
  CONNECTIONS,
  END_TO_END,
  ENDPOINT,
  MACHINE,
  NON_2XX,
  P50,
  P99,
  PG_CPU,
  ROUND,
  RPS,
  SIDE,
  WORKER_CPU,
} from "./report_columns.ts";
import type { BenchResults } from "./results.ts";
import { type Column, columnTable, field, table } from "./table.ts";

const API: Column<ApiScenario>[] = [
  SIDE,
  ENDPOINT,
  CONNECTIONS,
  ROUND,
  RPS,
  P50,
  P99,
  NON_2XX,
  API_CPU,
  PG_CPU,
  MACHINE,
];

const E2E: Column<EndToEndRun>[] = [
  SIDE,
  field("workers", "workers"),
  ROUND,
  field("payouts", "payouts"),
  ...END_TO_END,
  API_CPU,
  WORKER_CPU,
  PG_CPU,
  MACHINE,
];

const OPEN_LOOP: Column<OpenLoopRun>[] = [
  field("open loop", "side"),
  field("workers", "workers"),
  field("peak /s", "peak_per_s"),
  field("target /s", "target_rps"),
  field("sent /s", "sent_rps"),
  field("created /s", "created_rps"),
  field("payouts", "payouts"),
  field("lag p50 ms", "lag_p50_ms"),
  field("lag p99 ms", "lag_p99_ms"),
  field("lag max ms", "lag_max_ms"),
  field("POST p99 ms", "post_p99_ms"),
  field("send slip max ms", "send_slip_max_ms"),
  field("in flight max", "max_in_flight"),
  field("failed", "failed"),
  field("API RSS MB", "api_peak_rss_mb"),
  field("worker RSS MB", "worker_peak_rss_mb"),
];

const GROWTH: Column<GrowthScenario>[] = [
  ["growth (HEAD), medians", (g) => `\`${g.endpoint}\``],
  field("payouts", "size"),
  CONNECTIONS,
  RPS,
  P50,
  P99,
  field("non-2xx", "non_2xx"),
  field("seed s", "seed_s"),
];

const GROWTH_RATIO: Column<GrowthRatio>[] = [
  ["growth ratio (large ÷ small)", (g) => `\`${g.endpoint}\``],
  ["sizes", (g) => `${g.large} ÷ ${g.small}`],
  field("p50", "p50"),
  field("p99", "p99"),
  field("req/s slowdown", "rps"),
  ["p50 per round", (g) => g.rounds.map((x) => x.p50).join(", ")],
];

/** Tables of a run with --baseline (everything but the targets). */
export function comparisonTables(r: BenchResults): string[] {
  const parts: string[] = [];
  if (r.sides) {
    parts.push(table(
      ["side", "revision", "commit", "uncommitted changes", "database"],
      (["baseline", "head"] as const).map((side) => {
        const s = r.sides![side];
        return [side, s.rev, s.commit.slice(0, 12), s.dirty ? "yes" : "no", s.database];
      }),
    ));
  }
  parts.push(columnTable(API, r.api), columnTable(E2E, r.end_to_end));
  parts.push(table(
    ["HEAD ÷ baseline", "per round", "HEAD median", "baseline median", "median ratio"],
    (r.comparison ?? []).map((c) => [
      c.name,
      c.rounds.map((x) => x.ratio).join(", "),
      c.head_median,
      c.baseline_median,
      c.median_ratio,
    ]),
  ));
  if (r.open_loop && r.open_loop.length > 0) parts.push(columnTable(OPEN_LOOP, r.open_loop));
  const memory = [["HEAD", r.memory], ["baseline", r.baseline_memory]] as const;
  parts.push(table(
    ["peak RSS", "API MB", "worker MB"],
    memory.filter(([, m]) => m).map((
      [side, m],
    ) => [side, m!.api_peak_rss_mb, m!.worker_peak_rss_mb]),
  ));
  return parts;
}

/** Tables of the growth phase, when it ran. */
export function growthTables(r: BenchResults): string[] {
  if (!r.growth || r.growth.length === 0) return [];
  return [columnTable(GROWTH, r.growth), columnTable(GROWTH_RATIO, r.growth_ratios ?? [])];
}
