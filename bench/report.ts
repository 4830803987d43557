/** The results document (bench/results.json), the targets, and the printed tables. */
import type { ApiScenario } from "./api_phase.ts";
import type { EndToEndRun } from "./e2e_phase.ts";
import type { MachineInfo } from "./proc_stats.ts";
import type { RawCreateRun, RawProcessingRun } from "./raw_phase.ts";
import { median, ratio, round } from "./stats.ts";
import type { SideMemory } from "./ab_phase.ts";
import type { Comparison, GrowthRatio } from "./comparison.ts";
import type { SideName } from "./context.ts";
import type { GrowthScenario } from "./growth_phase.ts";
import type { OpenLoopRun } from "./open_loop_phase.ts";
import { comparisonTables, growthTables } from "./report_comparison.ts";
import { table } from "./table.ts";

export interface Target {
  name: string;
  value: number;
  op: ">=" | "<=" | "=";
  limit: number;
  holds: boolean;
}

export interface BenchResults {
  version: 1;
  started_at: string;
  finished_at: string;
  wall_s: number;
  machine: MachineInfo & { postgres: string; redis: string; busy_before_run_pct: number };
  settings: Record<string, unknown>;
  database: string;
  api: ApiScenario[];
  raw_create: RawCreateRun[];
  end_to_end: EndToEndRun[];
  raw_processing: RawProcessingRun[];
  memory: { api_peak_rss_mb: number; worker_peak_rss_mb: number };
  /** One per measured pair: a service run and the raw run right after it, same round. */
  ratios: {
    api_post_vs_raw_create: {
      log_level: string;
      connections: number;
      round: number;
      ratio: number;
    }[];
    e2e_vs_raw_processing: { workers: number; round: number; ratio: number }[];
    /** End-to-end payouts/s with one subscribed webhook endpoint ÷ the same round without. */
    e2e_with_webhooks_vs_without: { workers: number; round: number; ratio: number }[];
  };
  /** With --baseline: the two versions measured. */
  sides?: Record<
    SideName,
    { rev: string; commit: string; dirty: boolean; database: string; dir: string }
  >;
  /** With --baseline: HEAD ÷ baseline of every figure measured on both, by round. */
  comparison?: Comparison[];
  /** With --baseline: each side open loop at half its end-to-end rate. */
  open_loop?: OpenLoopRun[];
  /** With --baseline: the baseline's peak RSS (`memory` is HEAD's). */
  baseline_memory?: SideMemory;
  /** With --growth: reads at each table size, and how much they slowed. */
  growth?: GrowthScenario[];
  growth_ratios?: GrowthRatio[];
  targets: Target[];
  /** False when a run had errors (non-2xx, failed payouts): its figures mean nothing. */
  valid: boolean;
  problems: string[];
}

export type Measurements = Pick<
  BenchResults,
  "api" | "raw_create" | "end_to_end" | "raw_processing" | "memory"
>;

const POST = "POST /api/payouts/";

/**
 * Ratios of the service to its raw limits, for every pair measured: each service run is
 * divided by the raw run of its round (runs of a later log level, by round 1's).
 */
export function computeRatios(m: Measurements): BenchResults["ratios"] {
  return {
    api_post_vs_raw_create: m.api.filter((s) => s.endpoint === POST).map((s) => ({
      log_level: s.log_level,
      connections: s.connections,
      round: s.round,
      ratio: ratio(
        s.rps,
        m.raw_create.find((r) => r.connections === s.connections && r.round === s.round)?.rps ??
          0,
      ),
    })),
    e2e_vs_raw_processing: m.end_to_end.filter((e) => !e.webhooks).map((e) => ({
      workers: e.workers,
      round: e.round,
      ratio: ratio(
        e.payouts_per_s,
        m.raw_processing.find((r) => r.processes === e.workers && r.round === e.round)?.per_s ??
          0,
      ),
    })),
    e2e_with_webhooks_vs_without: m.end_to_end.filter((e) => e.webhooks).map((e) => ({
      workers: e.workers,
      round: e.round,
      ratio: ratio(
        e.payouts_per_s,
        m.end_to_end.find((w) => !w.webhooks && w.workers === e.workers && w.round === e.round)
          ?.payouts_per_s ?? 0,
      ),
    })),
  };
}

function target(name: string, value: number, op: Target["op"], limit: number): Target {
  const holds = op === ">=" ? value >= limit : op === "<=" ? value <= limit : value === limit;
  return { name, value: round(value, 3), op, limit, holds };
}

/**
 * The targets, judged on the default configuration: the first log level, 16
 * connections (or the first count given) and 2 workers (or the most given). A ratio target
 * takes the median of its rounds; the slowest payout is the slowest of every round.
 */
export function computeTargets(m: Measurements, ratios: BenchResults["ratios"]): Target[] {
  const level = m.api[0]?.log_level;
  const posts = ratios.api_post_vs_raw_create.filter((r) => r.log_level === level);
  const connections = posts.some((r) => r.connections === 16) ? 16 : posts[0]?.connections;
  const post = posts.filter((r) => r.connections === connections).map((r) => r.ratio);
  const workers = Math.max(...m.end_to_end.map((e) => e.workers));
  const e2e = m.end_to_end.filter((e) => e.workers === workers && !e.webhooks);
  const e2eRatios = ratios.e2e_vs_raw_processing.filter((r) => r.workers === workers)
    .map((r) => r.ratio);
  const targets: Target[] = [];
  const rounds = (n: number) => n > 1 ? `, median of ${n} rounds` : "";
  if (post.length > 0) {
    targets.push(
      target(
        `API POST req/s ÷ raw create/s at ${connections} connections${rounds(post.length)}`,
        median(post),
        ">=",
        0.6,
      ),
    );
  }
  if (e2e.length > 0 && e2eRatios.length > 0) {
    targets.push(
      target(
        `end-to-end payouts/s ÷ raw processing/s, ${workers} workers${rounds(e2eRatios.length)}`,
        median(e2eRatios),
        ">=",
        0.5,
      ),
      target(
        `slowest payout, creation to completion (s), ${workers} workers`,
        Math.max(...e2e.map((run) => run.lag_max_ms)) / 1000,
        "<=",
        5,
      ),
    );
  }
  targets.push(
    target("API peak RSS (MB)", m.memory.api_peak_rss_mb, "<=", 150),
    target("worker peak RSS (MB)", m.memory.worker_peak_rss_mb, "<=", 150),
    target(
      "non-2xx responses",
      m.api.reduce((sum, s) => sum + s.non_2xx + s.socket_errors, 0),
      "=",
      0,
    ),
  );
  return targets;
}

/** What makes the figures meaningless: any error the service gave or any unfinished payout. */
export function findProblems(
  m: Measurements & Partial<Pick<BenchResults, "open_loop" | "growth">>,
): string[] {
  const problems: string[] = [];
  const side = (x: { side?: string }) => x.side ? `${x.side}: ` : "";
  for (const s of m.api) {
    if (s.non_2xx > 0 || s.socket_errors > 0) {
      problems.push(
        `${
          side(s)
        }${s.endpoint} at ${s.connections} (${s.log_level}): ${s.non_2xx} non-2xx, ${s.socket_errors} socket errors`,
      );
    }
  }
  for (const o of m.open_loop ?? []) {
    if (o.failed > 0 || o.non_2xx > 0) {
      problems.push(`${o.side}: open loop: ${o.failed} failed, ${o.non_2xx} not created`);
    }
  }
  for (const g of m.growth ?? []) {
    if (g.non_2xx > 0) problems.push(`growth: ${g.endpoint} at ${g.size}: ${g.non_2xx} non-2xx`);
  }
  for (const e of m.end_to_end) {
    const run =
      `${side(e)}end to end${e.webhooks ? " with webhooks" : ""}, ${e.workers} workers, ` +
      `round ${e.round}`;
    if (e.failed > 0 || e.non_2xx > 0) {
      problems.push(`${run}: ${e.failed} failed, ${e.non_2xx} not created`);
    }
    if (e.webhooks && (e.webhooks_failed ?? 0) > 0) {
      problems.push(`${run}: ${e.webhooks_failed} webhook messages failed`);
    }
  }
  return problems;
}

/** The results as Markdown tables (docs/performance.md uses the same). */
export function formatTables(r: BenchResults): string {
  if (r.sides) {
    return [...comparisonTables(r), ...growthTables(r), targetTable(r)].join("\n\n") + "\n";
  }
  const parts: string[] = [];
  parts.push(table(
    [
      "log",
      "endpoint",
      "conns",
      "round",
      "req/s",
      "p50 ms",
      "p90 ms",
      "p99 ms",
      "non-2xx",
      "API CPU",
      "PG CPU",
      "Redis CPU",
      "wrk CPU",
      "machine",
      "log B/req",
    ],
    r.api.map((s) => [
      s.log_level,
      `\`${s.endpoint}\``,
      s.connections,
      s.round,
      s.rps,
      s.p50_ms,
      s.p90_ms,
      s.p99_ms,
      s.non_2xx + s.socket_errors,
      `${s.api_cpu_pct}%`,
      `${s.postgres_cpu_pct}%`,
      `${s.redis_cpu_pct}%`,
      `${s.loadgen_cpu_pct}%`,
      `${s.machine_cpu_pct}%`,
      s.log_bytes_per_request,
    ]),
  ));
  parts.push(table(
    [
      "raw create (SQL + XADD, no HTTP)",
      "conns",
      "round",
      "ops/s",
      "p50 ms",
      "p90 ms",
      "p99 ms",
      "CPU",
      "PG CPU",
      "machine",
    ],
    r.raw_create.map((
      c,
    ) => [
      "insertPayout + XADD + outbox delete",
      c.connections,
      c.round,
      c.rps,
      c.p50_ms,
      c.p90_ms,
      c.p99_ms,
      `${c.cpu_pct}%`,
      `${c.postgres_cpu_pct}%`,
      `${c.machine_cpu_pct}%`,
    ]),
  ));
  parts.push(table(
    [
      "end to end",
      "round",
      "payouts",
      "clients",
      "seconds",
      "payouts/s",
      "lag p50 ms",
      "lag p99 ms",
      "lag max ms",
      "failed",
      "API CPU",
      "worker CPU",
      "PG CPU",
      "Redis CPU",
      "wrk CPU",
      "machine",
      "worker RSS MB",
    ],
    r.end_to_end.map((e) => [
      `${e.workers} worker${e.workers > 1 ? "s" : ""}${e.webhooks ? " + webhooks" : ""}`,
      e.round,
      e.payouts,
      e.clients,
      e.seconds,
      e.payouts_per_s,
      e.lag_p50_ms,
      e.lag_p99_ms,
      e.lag_max_ms,
      e.failed,
      `${e.api_cpu_pct}%`,
      e.worker_cpu_pct.map((c) => `${c}%`).join(" + "),
      `${e.postgres_cpu_pct}%`,
      `${e.redis_cpu_pct}%`,
      `${e.loadgen_cpu_pct}%`,
      `${e.machine_cpu_pct}%`,
      e.worker_peak_rss_mb,
    ]),
  ));
  const withHooks = r.end_to_end.filter((e) => e.webhooks);
  if (withHooks.length > 0) {
    parts.push(table(
      [
        "webhooks (one endpoint, every event)",
        "round",
        "payouts/s",
        "delivered",
        "failed",
        "seconds to last delivery",
        "delivery lag p50 ms",
        "p99 ms",
        "max ms",
      ],
      withHooks.map((e) => [
        `${e.workers} worker${e.workers > 1 ? "s" : ""}`,
        e.round,
        e.payouts_per_s,
        e.webhooks_delivered ?? 0,
        e.webhooks_failed ?? 0,
        e.webhook_seconds ?? 0,
        e.webhook_lag_p50_ms ?? 0,
        e.webhook_lag_p99_ms ?? 0,
        e.webhook_lag_max_ms ?? 0,
      ]),
    ));
  }
  parts.push(table(
    [
      "raw processing (claim, provider, finish, XACK)",
      "round",
      "payouts",
      "seconds",
      "payouts/s",
      "job p50 ms",
      "job p99 ms",
      "CPU",
      "PG CPU",
      "machine",
    ],
    r.raw_processing.map((p) => [
      `${p.processes} process${p.processes > 1 ? "es" : ""} × ${p.concurrency_per_process}`,
      p.round,
      p.payouts,
      p.seconds,
      p.per_s,
      p.job_p50_ms,
      p.job_p99_ms,
      `${p.cpu_pct}%`,
      `${p.postgres_cpu_pct}%`,
      `${p.machine_cpu_pct}%`,
    ]),
  ));
  parts.push(table(
    ["ratio", "value"],
    [
      ...r.ratios.api_post_vs_raw_create.map((
        x,
      ) => [
        `API POST ÷ raw create, ${x.connections} conns, ${x.log_level}, round ${x.round}`,
        x.ratio,
      ]),
      ...r.ratios.e2e_vs_raw_processing.map((
        x,
      ) => [
        `end to end ÷ raw processing, ${x.workers} worker${x.workers > 1 ? "s" : ""}, ` +
        `round ${x.round}`,
        x.ratio,
      ]),
      ...r.ratios.e2e_with_webhooks_vs_without.map((
        x,
      ) => [
        `end to end with a webhook endpoint ÷ without, ${x.workers} worker${
          x.workers > 1 ? "s" : ""
        }, round ${x.round}`,
        x.ratio,
      ]),
      ["API peak RSS MB", r.memory.api_peak_rss_mb],
      ["worker peak RSS MB", r.memory.worker_peak_rss_mb],
    ],
  ));
  parts.push(...growthTables(r), targetTable(r));
  return parts.join("\n\n") + "\n";
}

function targetTable(r: BenchResults): string {
  return table(
    ["target", "measured", "limit", "holds"],
    r.targets.map((t) => [t.name, t.value, `${t.op} ${t.limit}`, t.holds ? "yes" : "**no**"]),
  );
}
