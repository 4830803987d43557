/**
 * The lag phase: payouts arrive open-loop (paced_create.ts) at a fixed share of the
 * end-to-end peak rate measured earlier in the same run, while the workers carry them to
 * `completed`. What it reports is the slowest creation-to-completion time: below the peak,
 * a batching service must still finish every payout promptly, not only many of them.
 */
import {
  anyUnfinished,
  completionStats,
  countByStatus,
  truncatePayouts,
} from "./bench.repository.ts";
import { RESULT } from "./child_io.ts";
import { type BenchContext, serviceEnv, type SideName } from "./context.ts";
import { expectSuccess, spawnDeno } from "./processes.ts";
import { cpuPercent } from "./proc_stats.ts";
import type { PacedCreateResult, PacedCreateSettings } from "./paced_create.ts";
import { READY } from "./child_io.ts";
import { startApi, startWorkers, stopService } from "./services.ts";
import { round } from "./stats.ts";
import { waitUntil } from "./wait.ts";
import { SAMPLE_BODY } from "./workload.ts";

export interface OpenLoopRun {
  side: SideName;
  workers: number;
  /** The end-to-end rate it is a share of (median of the rounds), payouts/s. */
  peak_per_s: number;
  /** The arrival rate asked for. */
  target_rps: number;
  /** The rate the generator sent at, and the rate payouts were created at. */
  sent_rps: number;
  created_rps: number;
  payouts: number;
  lag_p50_ms: number;
  lag_p99_ms: number;
  lag_max_ms: number;
  post_p50_ms: number;
  post_p99_ms: number;
  /** How late the generator's sends were against their schedule (its own health). */
  send_slip_p99_ms: number;
  send_slip_max_ms: number;
  max_in_flight: number;
  failed: number;
  non_2xx: number;
  loadgen_cpu_pct: number;
  api_peak_rss_mb: number;
  worker_peak_rss_mb: number;
}

/** In flight at most: far above what a healthy service at half its peak ever holds. */
const MAX_IN_FLIGHT = 512;
/** The generator's script, beside this file wherever the benchmark is run from. */
const PACED_CREATE = new URL("./paced_create.ts", import.meta.url).pathname;

/** One open-loop run of `--payouts` payouts at `share` × `peakPerS`, with `workers` workers. */
export async function runOpenLoop(
  ctx: BenchContext,
  workers: number,
  peakPerS: number,
  share: number,
): Promise<OpenLoopRun> {
  const { payouts } = ctx.options;
  const rate = Math.max(1, peakPerS * share);
  await truncatePayouts(ctx.db.sql);
  await ctx.redis.del(ctx.names.stream, ctx.names.deadLetter);
  const level = ctx.options.logLevels[0];
  const api = await startApi(serviceEnv(ctx, level), ctx.port);
  const workerChildren = await startWorkers(serviceEnv(ctx, level), ctx.redis, workers)
    .catch(async (error) => {
      await api.child.stop("SIGKILL");
      throw error;
    });
  try {
    const settings: PacedCreateSettings = {
      baseUrl: api.baseUrl,
      apiKey: ctx.apiKey,
      body: SAMPLE_BODY,
      rate,
      total: payouts,
      maxInFlight: MAX_IN_FLIGHT,
    };
    const generator = spawnDeno(
      "paced-create",
      PACED_CREATE,
      [JSON.stringify(settings)],
      { stdin: true },
    );
    let result: PacedCreateResult;
    try {
      await generator.line(READY, 30_000);
      await generator.send("go\n");
      result = JSON.parse(await generator.line(RESULT, (payouts / rate + 120) * 1000));
      await generator.send("done\n");
      await expectSuccess(generator);
    } catch (error) {
      await generator.stop("SIGKILL");
      throw error;
    }
    let finished: Record<string, number> = {};
    await waitUntil(async () => {
      if (await anyUnfinished(ctx.db.sql)) return false;
      finished = await countByStatus(ctx.db.sql);
      return true;
    }, {
      timeoutMs: 120_000 + payouts * 10,
      intervalMs: 200,
      message: `${payouts} open-loop payouts to finish`,
      child: workerChildren[0],
    });
    const stats = await completionStats(ctx.db.sql);
    let workerPeak = 0;
    for (const worker of workerChildren) {
      workerPeak = Math.max(workerPeak, await stopService(worker));
    }
    const apiPeak = await stopService(api.child);
    return {
      side: ctx.side,
      workers,
      peak_per_s: round(peakPerS, 1),
      target_rps: round(rate, 1),
      sent_rps: round(result.sent / result.send_seconds, 1),
      created_rps: round(stats.createSpanS > 0 ? result.created / stats.createSpanS : 0, 1),
      payouts: result.created,
      lag_p50_ms: round(stats.lagP50Ms, 1),
      lag_p99_ms: round(stats.lagP99Ms, 1),
      lag_max_ms: round(stats.lagMaxMs, 1),
      post_p50_ms: result.post.p50_ms,
      post_p99_ms: result.post.p99_ms,
      send_slip_p99_ms: result.slip.p99_ms,
      send_slip_max_ms: result.slip.max_ms,
      max_in_flight: result.max_in_flight,
      failed: finished.failed ?? 0,
      non_2xx: result.non_2xx + result.errors,
      loadgen_cpu_pct: cpuPercent(result.cpu_ticks, result.send_seconds),
      api_peak_rss_mb: apiPeak,
      worker_peak_rss_mb: workerPeak,
    };
  } catch (error) {
    await Promise.all([api.child, ...workerChildren].map((child) => child.stop("SIGKILL")));
    throw error;
  }
}
