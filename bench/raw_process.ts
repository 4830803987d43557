/**
 * Child process: the raw processing limit. Does for each job what the worker does —
 * XREADGROUP in batches, claimPayout, the SimulatedProvider call (same latency, same
 * provider_calls insert), finishPayout, XACK batched as the worker batches it — straight
 * through postgres.js and ioredis, `concurrency` jobs at once on a pool of the worker's
 * size, without the worker runtime's slots, retries, reclaim loop, maintenance or logging.
 * Stops when the stream has nothing left to deliver.
 */
import { createSql } from "../src/db/client.ts";
import { silentLogger } from "../src/log.ts";
import { claimPayout, finishPayout } from "../src/payouts/processing.repository.ts";
import { paymentOrderOf } from "../src/connectors/connector.ts";
import { SimulatedConnector } from "../src/connectors/simulated/simulated_connector.ts";
import { AckBatcher } from "../src/queue/ack_batcher.ts";
import { ensureGroup, readEntries, type StreamEntry } from "../src/queue/job_stream.ts";
import type { StreamNames } from "../src/queue/stream_names.ts";
import { createRedis } from "../src/redis.ts";
import { childSettings, readyThenWaitForGo, reportThenWaitForDone } from "./child_io.ts";
import { ownTicks } from "./proc_stats.ts";
import { type LatencySummary, summarize } from "./stats.ts";

export interface RawProcessSettings {
  databaseUrl: string;
  redisUrl: string;
  names: StreamNames;
  consumer: string;
  poolSize: number;
  concurrency: number;
  batchSize: number;
  latencyMs: number;
  leaseMs: number;
}

export interface RawProcessResult {
  processed: number;
  errors: number;
  /** Wall clock (epoch ms) of the go and of the last finished job. */
  startedAt: number;
  finishedAt: number;
  latenciesMs: LatencySummary;
  cpuTicks: number;
}

if (import.meta.main) {
  const settings = childSettings<RawProcessSettings>();
  const { names, consumer } = settings;
  // Same pool and client options as worker.ts.
  const sql = createSql(settings.databaseUrl, {
    max: settings.poolSize,
    applicationName: "payouts-bench-raw-process",
    prepare: true,
  });
  const redis = createRedis(settings.redisUrl, {
    name: `bench-raw:${consumer}`,
    log: silentLogger,
    commandTimeoutMs: 5000,
  });
  const provider = new SimulatedConnector(sql, { latencyMs: settings.latencyMs, failureRate: 0 });
  const workerId = `worker:${consumer}`;
  let ackErrors = 0;
  const acks = new AckBatcher(redis, names, () => ackErrors++);
  await Promise.all(Array.from({ length: settings.poolSize }, () => sql`select 1`));
  await redis.ping();
  // Every process makes sure of the group (the first creates it), before any of them reads.
  await ensureGroup(redis, names);

  // One read at a time feeds every loop, as the worker's single reader does.
  const buffer: StreamEntry[] = [];
  let exhausted = false;
  let reading: Promise<void> | undefined;
  const next = async (): Promise<StreamEntry | undefined> => {
    while (buffer.length === 0 && !exhausted) {
      reading ??= readEntries(redis, names, consumer, ">", settings.batchSize, 10)
        .then((entries) => {
          if (entries.length === 0) exhausted = true;
          buffer.push(...entries);
        })
        .finally(() => reading = undefined);
      await reading;
    }
    return buffer.shift();
  };

  await readyThenWaitForGo();
  const ticks = ownTicks();
  const startedAt = Date.now();
  let finishedAt = startedAt;
  const latencies: number[] = [];
  let errors = 0;
  await Promise.all(Array.from({ length: settings.concurrency }, async () => {
    for (let entry = await next(); entry; entry = await next()) {
      const t0 = performance.now();
      try {
        const claim = await claimPayout(sql, entry.payoutId!, workerId, settings.leaseMs);
        if (!claim) throw new Error("payout not claimable");
        const { payout } = claim;
        const paid = await provider.pay(paymentOrderOf(payout));
        if (paid.outcome !== "paid") throw new Error(`provider said ${paid.outcome}`);
        const done = await finishPayout(sql, payout.id, workerId, {
          status: "completed",
          detail: { provider_outcome: paid.outcome },
        });
        if (!done) throw new Error("lease lost");
        acks.add(entry.id);
        latencies.push(performance.now() - t0);
        finishedAt = Date.now();
      } catch {
        errors++;
      }
    }
  }));
  await acks.flush();
  const result: RawProcessResult = {
    processed: latencies.length,
    errors: errors + ackErrors,
    startedAt,
    finishedAt,
    latenciesMs: summarize(latencies),
    cpuTicks: ownTicks() - ticks,
  };
  await reportThenWaitForDone(result);
  redis.disconnect();
  await sql.end({ timeout: 5 });
}
