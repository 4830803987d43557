/**
 * Child process: the raw create limit. Issues exactly the writes a POST makes — the one
 * CTE statement inserting payout, `created` event and outbox row (the real insertPayout),
 * then the XADD and the batched outbox delete (the real StreamProducer) — straight through
 * postgres.js and ioredis, with no HTTP, no auth and no validation, from `concurrency`
 * loops sharing a pool of the API's size. Runs for `durationS` seconds, or until `count`
 * payouts exist when seeding.
 */
import { createSql } from "../src/db/client.ts";
import { silentLogger } from "../src/log.ts";
import { buildDraft } from "../src/payouts/payout_rules.ts";
import { insertPayout } from "../src/payouts/payouts.repository.ts";
import { StreamProducer } from "../src/queue/producer.ts";
import { createRedis } from "../src/redis.ts";
import { childSettings, readyThenWaitForGo, reportThenWaitForDone } from "./child_io.ts";
import { ownTicks } from "./proc_stats.ts";
import { type LatencySummary, summarize } from "./stats.ts";
import { SAMPLE_PAYOUT } from "./workload.ts";

export interface RawCreateSettings {
  databaseUrl: string;
  redisUrl: string;
  stream: string;
  poolSize: number;
  concurrency: number;
  /** Run for this long... */
  durationS?: number;
  /** ...or create exactly this many. */
  count?: number;
  actor: { name: string; apiKeyId: string };
}

export interface RawCreateResult {
  ops: number;
  errors: number;
  seconds: number;
  latenciesMs: LatencySummary;
  cpuTicks: number;
}

if (import.meta.main) {
  const settings = childSettings<RawCreateSettings>();
  // Same pool options and Redis client options as main.ts.
  const sql = createSql(settings.databaseUrl, {
    max: settings.poolSize,
    applicationName: "payouts-bench-raw-create",
    prepare: true,
  });
  const redis = createRedis(settings.redisUrl, {
    name: "payouts-bench-raw-create",
    log: silentLogger,
    failFast: true,
    commandTimeoutMs: 1000,
  });
  const producer = new StreamProducer(redis, sql, settings.stream, silentLogger);
  const draft = buildDraft(SAMPLE_PAYOUT);

  // Open every pooled connection and prepare the statement before the clock starts, as
  // the API's warm-up does.
  await Promise.all(Array.from({ length: settings.poolSize }, () => sql`select 1`));
  // The fail-fast client refuses commands until it is connected: wait for that first.
  if (redis.status !== "ready") await new Promise((resolve) => redis.once("ready", resolve));
  await redis.ping();

  await readyThenWaitForGo();
  const ticks = ownTicks();
  const latencies: number[] = [];
  let errors = 0;
  let issued = 0;
  const started = performance.now();
  const deadline = started + (settings.durationS ?? Infinity) * 1000;
  const more = () =>
    settings.count !== undefined ? issued++ < settings.count : performance.now() < deadline;
  await Promise.all(Array.from({ length: settings.concurrency }, async () => {
    while (more()) {
      const t0 = performance.now();
      try {
        const { payout, outboxId } = await insertPayout(
          sql,
          crypto.randomUUID(),
          draft,
          "pending",
          settings.actor,
        );
        // Pending and not scheduled: it always has an outbox row.
        await producer.publishCreated(payout.id, outboxId!);
        latencies.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  await producer.flush();
  const result: RawCreateResult = {
    ops: latencies.length,
    errors,
    seconds,
    latenciesMs: summarize(latencies),
    cpuTicks: ownTicks() - ticks,
  };
  await reportThenWaitForDone(result);
  redis.disconnect();
  await sql.end({ timeout: 5 });
}
