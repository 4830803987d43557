/** The printed tables of a run (docs/performance.md shows the same). */
import { comparisonTables, growthTables } from "./report_comparison.ts";
import type { BenchResults } from "./results.ts";
import { table } from "./table.ts";

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
