/** The printed tables of the phases added for issue 13: HEAD ÷ baseline, open loop, growth. */
import type { BenchResults } from "./results.ts";
import { table } from "./table.ts";

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
  parts.push(table(
    [
      "side",
      "endpoint",
      "conns",
      "round",
      "req/s",
      "p50 ms",
      "p99 ms",
      "non-2xx",
      "API CPU",
      "PG CPU",
      "machine",
    ],
    r.api.map((s) => [
      s.side ?? "",
      `\`${s.endpoint}\``,
      s.connections,
      s.round,
      s.rps,
      s.p50_ms,
      s.p99_ms,
      s.non_2xx + s.socket_errors,
      `${s.api_cpu_pct}%`,
      `${s.postgres_cpu_pct}%`,
      `${s.machine_cpu_pct}%`,
    ]),
  ));
  parts.push(table(
    [
      "side",
      "workers",
      "round",
      "payouts",
      "seconds",
      "payouts/s",
      "lag p50 ms",
      "lag p99 ms",
      "lag max ms",
      "failed",
      "API CPU",
      "worker CPU",
      "PG CPU",
      "machine",
    ],
    r.end_to_end.map((e) => [
      e.side ?? "",
      e.workers,
      e.round,
      e.payouts,
      e.seconds,
      e.payouts_per_s,
      e.lag_p50_ms,
      e.lag_p99_ms,
      e.lag_max_ms,
      e.failed,
      `${e.api_cpu_pct}%`,
      e.worker_cpu_pct.map((c) => `${c}%`).join(" + "),
      `${e.postgres_cpu_pct}%`,
      `${e.machine_cpu_pct}%`,
    ]),
  ));
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
  if (r.open_loop && r.open_loop.length > 0) {
    parts.push(table(
      [
        "open loop",
        "workers",
        "peak /s",
        "target /s",
        "sent /s",
        "created /s",
        "payouts",
        "lag p50 ms",
        "lag p99 ms",
        "lag max ms",
        "POST p99 ms",
        "send slip max ms",
        "in flight max",
        "failed",
        "API RSS MB",
        "worker RSS MB",
      ],
      r.open_loop.map((o) => [
        o.side,
        o.workers,
        o.peak_per_s,
        o.target_rps,
        o.sent_rps,
        o.created_rps,
        o.payouts,
        o.lag_p50_ms,
        o.lag_p99_ms,
        o.lag_max_ms,
        o.post_p99_ms,
        o.send_slip_max_ms,
        o.max_in_flight,
        o.failed,
        o.api_peak_rss_mb,
        o.worker_peak_rss_mb,
      ]),
    ));
  }
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
  return [
    table(
      [
        "growth (HEAD), medians",
        "payouts",
        "conns",
        "req/s",
        "p50 ms",
        "p99 ms",
        "non-2xx",
        "seed s",
      ],
      r.growth.map((g) => [
        `\`${g.endpoint}\``,
        g.size,
        g.connections,
        g.rps,
        g.p50_ms,
        g.p99_ms,
        g.non_2xx,
        g.seed_s,
      ]),
    ),
    table(
      ["growth ratio (large ÷ small)", "sizes", "p50", "p99", "req/s slowdown", "p50 per round"],
      (r.growth_ratios ?? []).map((g) => [
        `\`${g.endpoint}\``,
        `${g.large} ÷ ${g.small}`,
        g.p50,
        g.p99,
        g.rps,
        g.rounds.map((x) => x.p50).join(", "),
      ]),
    ),
  ];
}
