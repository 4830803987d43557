/**
 * A run without a baseline: the service against its raw limits, each service run divided by
 * the raw run right after it, and the targets on those ratios.
 */
import type { BenchResults, Measurements } from "./results.ts";
import { median, ratio } from "./stats.ts";
import { type Target, target } from "./target.ts";

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
