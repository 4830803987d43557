/**
 * Creates sample payouts for local work, demos and the benchmark's growth phase.
 *
 *     deno task seed [--count N] [--history]
 *
 * By default the payouts are new (`pending`): they go in with batched multi-row inserts
 * (each batch with its `created` events and outbox rows), then their jobs are appended to
 * the stream, many per command, so running workers process them. If Redis is down the
 * outbox rows stay, and the relay of any API or worker publishes them later.
 *
 * With `--history` they are a finished past instead: mostly completed, some failed,
 * canceled or rejected, created over the last six months, each with its audit trail, loaded
 * with COPY in transactions of 100,000 and no jobs (a million take a minute or two, not an
 * hour). Exits 2 on bad arguments, 1 on bad config or a failure.
 *
 * @module
 */
import type { Redis } from "ioredis";
import { type Config, ConfigError, parseConfig } from "../src/config.ts";
import { createSql } from "../src/db/client.ts";
import { createLogger, type Logger } from "../src/log.ts";
import { insertSeedPayouts } from "./seed/seed.repository.ts";
import { deleteOutboxRows } from "../src/queue/outbox.repository.ts";
import { StreamProducer } from "../src/queue/producer.ts";
import { createRedis } from "../src/redis.ts";
import { seedHistory } from "./seed/history.ts";
import { samplePayout } from "./seed/samples.ts";

const DEFAULT_COUNT = 50;
const MAX_COUNT = 1_000_000;
const BATCH_SIZE = 1000;
/** Batches in flight at once: enough to keep Postgres busy without hogging the pool. */
const PARALLEL_BATCHES = 4;
const PROGRESS_MIN_COUNT = 1000;
const REDIS_READY_TIMEOUT_MS = 3000;
const USAGE = "usage: deno task seed [--count N] [--history]";

class UsageError extends Error {}

/** Reads `--count N` / `--count=N` and `--history`; anything else is a usage error. */
export function parseSeedArgs(
  args: string[],
): { count: number; history: boolean } | { help: true } {
  let count = DEFAULT_COUNT;
  let history = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--help" || arg === "-h") return { help: true };
    if (arg === "--history") {
      history = true;
      continue;
    }
    let value: string | undefined;
    if (arg === "--count") value = args[++i];
    else if (arg.startsWith("--count=")) value = arg.slice("--count=".length);
    else throw new UsageError(`unknown argument ${JSON.stringify(arg)}; ${USAGE}`);
    if (value === undefined || !/^[1-9][0-9]{0,6}$/.test(value) || Number(value) > MAX_COUNT) {
      throw new UsageError(`--count must be a positive integer up to ${MAX_COUNT}`);
    }
    count = Number(value);
  }
  return { count, history };
}

/** Redraws a one-line progress bar on stderr. */
export function progressBar(total: number): (done: number) => void {
  if (total < PROGRESS_MIN_COUNT || !Deno.stderr.isTerminal()) return () => {};
  const encoder = new TextEncoder();
  return (done) => {
    const filled = Math.floor((done / total) * 20);
    const bar = "#".repeat(filled) + ".".repeat(20 - filled);
    const percent = Math.floor((done / total) * 100);
    const end = done === total ? "\n" : "";
    Deno.stderr.writeSync(encoder.encode(`\r[${bar}] ${percent}% ${done}/${total}${end}`));
  };
}

/** Resolves true once the client is connected, false if it fails or takes too long. */
function redisReady(redis: Redis): Promise<boolean> {
  if (redis.status === "ready") return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer);
      redis.off("ready", onReady);
      redis.off("error", onError);
      resolve(ready);
    };
    const onReady = () => done(true);
    const onError = () => done(false);
    const timer = setTimeout(() => done(false), REDIS_READY_TIMEOUT_MS);
    redis.once("ready", onReady);
    redis.once("error", onError);
  });
}

async function seed(config: Config, count: number, log: Logger): Promise<{ queued: number }> {
  const sql = createSql(config.DATABASE_URL, {
    max: PARALLEL_BATCHES,
    applicationName: "payouts-seed",
    prepare: config.DATABASE_PREPARE,
    maxPipeline: config.DATABASE_MAX_PIPELINE,
  });
  let redis: Redis | undefined;
  try {
    // Fail on a bad database before touching Redis, so the error is the one line that matters.
    await sql`select 1 from payouts limit 0`;
    redis = createRedis(config.redis, {
      name: "payouts-seed",
      log,
      failFast: true,
      commandTimeoutMs: 5000,
    });
    let redisUp = await redisReady(redis);
    const producer = new StreamProducer(redis, sql, config.STREAM_KEY, log);
    const progress = progressBar(count);
    let done = 0;
    let queued = 0;

    const runBatch = async (size: number) => {
      const payouts = Array.from({ length: size }, samplePayout);
      const outboxIds = await insertSeedPayouts(sql, payouts, "seed");
      if (redisUp) {
        try {
          await producer.append(payouts.map((p) => p.id));
          await deleteOutboxRows(sql, outboxIds);
          queued += size;
        } catch (error) {
          // Stop trying: the rest stays in the outbox for the relay, like the API does.
          redisUp = false;
          log.warn("redis unavailable; jobs left in the outbox for the relay", {
            error: error instanceof Error ? error.message : String(error),
          });
        }
      }
      done += size;
      progress(done);
    };

    let next = 0;
    const lane = async () => {
      while (next < count) {
        const size = Math.min(BATCH_SIZE, count - next);
        next += size;
        await runBatch(size);
      }
    };
    await Promise.all(Array.from({ length: PARALLEL_BATCHES }, lane));
    return { queued };
  } finally {
    redis?.disconnect();
    await sql.end({ timeout: 5 });
  }
}

// One line, no stack: this is read by people.
function oneLine(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  if (!message && error instanceof AggregateError) {
    message = error.errors.map((e) => e instanceof Error ? e.message : String(e)).join("; ");
  }
  return (message || String(error)).replace(/\s*\n\s*/g, " ");
}

if (import.meta.main) {
  let count: number;
  let history: boolean;
  try {
    const parsed = parseSeedArgs(Deno.args);
    if ("help" in parsed) {
      console.log(USAGE);
      Deno.exit(0);
    }
    ({ count, history } = parsed);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`seed: ${error.message}`);
    Deno.exit(2);
  }
  let config: Config;
  try {
    config = parseConfig(Deno.env.toObject());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`seed: ${error.message}`);
    Deno.exit(1);
  }
  const log = createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT }, {
    service: "seed",
  });
  const started = performance.now();
  try {
    const { queued } = history
      ? await seedHistory(config, count, progressBar(count))
      : await seed(config, count, log);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const pending = count - queued;
    console.log(
      `seeded ${count} payouts in ${seconds}s` +
        (pending > 0 ? ` (${pending} jobs left in the outbox for the relay)` : ""),
    );
    // Everything is closed; ioredis may still hold a connect timer after a refused connection.
    Deno.exit(0);
  } catch (error) {
    console.error(`seed: ${oneLine(error)}`);
    Deno.exit(1);
  }
}
