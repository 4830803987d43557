/**
 * Phase 2: end to end. Concurrent HTTP clients (wrk connections) create `--payouts`
 * payouts through the API while N worker processes carry them to `completed`; throughput
 * and creation-to-completion lag come from the payouts' own created_at/updated_at.
 */
import {
  anyUnfinished,
  anyWebhookPending,
  backendPids,
  completionStats,
  countByStatus,
  truncatePayouts,
  webhookStats,
} from "./bench.repository.ts";
import { type BenchContext, serviceEnv, type SideName } from "./context.ts";
import { CpuMeter, sumPercent } from "./proc_stats.ts";
import type { RunningApi } from "./services.ts";
import { startWorkers, stopService } from "./services.ts";
import { round } from "./stats.ts";
import { waitUntil } from "./wait.ts";
import { startWebhookReceiver, subscribe, unsubscribe } from "./webhook_receiver.ts";
import { SAMPLE_BODY } from "./workload.ts";
import { runWrkCreate } from "./wrk.ts";

export interface EndToEndRun {
  /** With --baseline: which version was measured. */
  side?: SideName;
  workers: number;
  /** Whether one endpoint subscribed to every event type received webhooks during the run. */
  webhooks: boolean;
  round: number;
  payouts: number;
  clients: number;
  /** First creation to last completion. */
  seconds: number;
  payouts_per_s: number;
  /** First to last creation: the arrival rate the workers faced. */
  create_rps: number;
  lag_p50_ms: number;
  lag_p99_ms: number;
  lag_max_ms: number;
  failed: number;
  non_2xx: number;
  api_cpu_pct: number;
  postgres_cpu_pct: number;
  redis_cpu_pct: number;
  /** Each worker process, % of one core. */
  worker_cpu_pct: number[];
  loadgen_cpu_pct: number;
  machine_cpu_pct: number;
  worker_peak_rss_mb: number;
  /** With webhooks: messages delivered (3 per payout: created, processing, completed). */
  webhooks_delivered?: number;
  webhooks_failed?: number;
  /** First creation to last delivery. */
  webhook_seconds?: number;
  webhook_lag_p50_ms?: number;
  webhook_lag_p99_ms?: number;
  webhook_lag_max_ms?: number;
}

/**
 * One end-to-end run with `workers` worker processes against the running API; with
 * `webhooks`, a local receiver is subscribed to every event type and the run lasts until
 * every message is delivered too.
 */
export async function runEndToEnd(
  ctx: BenchContext,
  api: RunningApi,
  workers: number,
  logLevel: string,
  roundNumber: number,
  webhooks = false,
): Promise<EndToEndRun> {
  const { payouts } = ctx.options;
  // A closed loop of too few clients measures their latency, not the system's throughput:
  // by default the clients match the jobs the workers hold in flight.
  const clients = ctx.options.clients ?? workers * ctx.config.WORKER_CONCURRENCY;
  await truncatePayouts(ctx.db.sql);
  // A fresh stream and group: workers create them, nothing is left from earlier runs.
  await ctx.redis.del(ctx.names.stream, ctx.names.deadLetter);
  const receiver = webhooks ? startWebhookReceiver() : undefined;
  const endpointId = receiver ? await subscribe(api.baseUrl, ctx.apiKey, receiver.url) : undefined;
  const workerChildren = await startWorkers(serviceEnv(ctx, logLevel), ctx.redis, workers);
  try {
    // The pools open connections as load arrives: backends that appear are counted at stop.
    const backends = await backendPids(ctx.db.sql);
    const redis = ctx.redisPid ? [ctx.redisPid] : [];
    const meter = await CpuMeter.start([
      api.child.pid,
      ...workerChildren.map((w) => w.pid),
      ...backends,
      ...redis,
    ]);
    let finished: Record<string, number> = {};
    const wrk = await runWrkCreate({
      baseUrl: api.baseUrl,
      body: SAMPLE_BODY,
      apiKey: ctx.apiKey,
      connections: clients,
      threads: ctx.options.wrkThreads,
      total: payouts,
    }, async () => {
      // Every payout created, then every one finished (or the deadline passes). The poll
      // runs on the measured machine: a cheap probe first, the full count only at the end.
      await waitUntil(async () => {
        if (await anyUnfinished(ctx.db.sql)) return false;
        if (webhooks && await anyWebhookPending(ctx.db.sql)) return false;
        finished = await countByStatus(ctx.db.sql);
        const all = Object.values(finished).reduce((sum, n) => sum + n, 0);
        return all >= payouts && (finished.completed ?? 0) + (finished.failed ?? 0) >= all;
      }, {
        // Three messages a payout, each a request to the receiver: allow for them.
        timeoutMs: 120_000 + payouts * (webhooks ? 50 : 10),
        intervalMs: 200,
        message: `${payouts} payouts to be created and finished`,
        child: workerChildren[0],
      }).catch((error) => {
        throw new Error(`${error.message}; last counts ${JSON.stringify(finished)}`);
      });
    });
    const backendsNow = await backendPids(ctx.db.sql);
    const cpu = await meter.stop(backendsNow);
    const stats = await completionStats(ctx.db.sql);
    const hooks = webhooks ? await webhookStats(ctx.db.sql) : undefined;
    let peak = 0;
    for (const worker of workerChildren) peak = Math.max(peak, await stopService(worker));
    return {
      workers,
      webhooks,
      round: roundNumber,
      payouts: wrk.created,
      clients,
      seconds: round(stats.spanS, 2),
      payouts_per_s: round(stats.completed / stats.spanS, 1),
      create_rps: round(wrk.created / stats.createSpanS, 1),
      lag_p50_ms: round(stats.lagP50Ms, 1),
      lag_p99_ms: round(stats.lagP99Ms, 1),
      lag_max_ms: round(stats.lagMaxMs, 1),
      failed: finished.failed ?? 0,
      non_2xx: wrk.non_2xx + wrk.socket_errors,
      api_cpu_pct: cpu.processes.get(api.child.pid) ?? 0,
      postgres_cpu_pct: sumPercent(cpu, [...new Set([...backends, ...backendsNow])]),
      redis_cpu_pct: sumPercent(cpu, redis),
      worker_cpu_pct: workerChildren.map((w) => cpu.processes.get(w.pid) ?? 0),
      loadgen_cpu_pct: cpu.reaped,
      machine_cpu_pct: cpu.machine,
      worker_peak_rss_mb: peak,
      ...(hooks
        ? {
          webhooks_delivered: hooks.delivered,
          webhooks_failed: hooks.failed,
          webhook_seconds: round(hooks.spanS, 2),
          webhook_lag_p50_ms: round(hooks.lagP50Ms, 1),
          webhook_lag_p99_ms: round(hooks.lagP99Ms, 1),
          webhook_lag_max_ms: round(hooks.lagMaxMs, 1),
        }
        : {}),
    };
  } catch (error) {
    await Promise.all(workerChildren.map((child) => child.stop("SIGKILL")));
    throw error;
  } finally {
    if (endpointId) await unsubscribe(api.baseUrl, ctx.apiKey, endpointId);
    await receiver?.close();
  }
}
