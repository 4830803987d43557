/**
 * What the fault tests share: a fresh database and unique streams, fast tunables for child
 * processes, payouts seeded straight through the repository, and the checks every fault
 * test ends with (each payout finished and paid exactly once).
 */
import assert from "node:assert/strict";
import type { Redis } from "ioredis";
import type postgres from "postgres";
import { ApiKeyService } from "../../../src/apikeys/apikeys.service.ts";
import { parseConfig } from "../../../src/config.ts";
import { buildDraft } from "../../../src/payouts/payout_rules.ts";
import { insertPayout } from "../../../src/payouts/payouts.repository.ts";
import { deleteOutboxRows } from "../../../src/queue/outbox.repository.ts";
import { StreamProducer } from "../../../src/queue/producer.ts";
import { silentLogger } from "../../../src/log.ts";
import { createRedis } from "../../../src/redis.ts";
import type { StreamNames } from "../../../src/queue/stream_names.ts";
import { createTestDatabase, type TestDatabase } from "../../helpers/database.ts";
import { type ChildProcess, freePort, spawnEntrypoint } from "../../helpers/processes.ts";
import { streamEnv, TEST_REDIS_URL, uniqueStreamNames } from "../../helpers/redis.ts";
import { waitFor } from "../../helpers/wait.ts";

/** Deadline for outcomes that take seconds normally: two shared, noisy cores. */
export const DEADLINE_MS = 90_000;

export interface FaultRig {
  db: TestDatabase;
  names: StreamNames;
  /** What every process of the rig gets to reach Redis: REDIS_URL, or the Sentinel settings. */
  redisEnv: Record<string, string>;
  /** A client on that Redis, made as the service makes its own; it rides out restarts. */
  redis: Redis;
  /** Every child started through `spawn`, killed by `close()` if still running. */
  children: ChildProcess[];
  /** Starts `worker.ts` or `main.ts` on this rig with fast tunables plus `extra`. */
  spawn(entrypoint: "worker.ts" | "main.ts", extra?: Record<string, string>): ChildProcess;
  close(): Promise<void>;
}

/** Fast settings so crashes are noticed and repaired in about a second. */
export const FAST_TUNABLES: Record<string, string> = {
  CLAIM_IDLE_MS: "1500",
  RECLAIM_INTERVAL_MS: "300",
  RECONCILE_INTERVAL_MS: "300",
  RECONCILE_STALE_MS: "1000",
  RELAY_DELAY_MS: "300",
  RELAY_INTERVAL_MS: "200",
  RETRY_BASE_MS: "20",
  RETRY_MAX_MS: "200",
  PROVIDER_LATENCY_MS: "10",
  WORKER_BLOCK_MS: "500",
  WORKER_CONCURRENCY: "16",
  DATABASE_POOL_SIZE: "4",
  SHUTDOWN_TIMEOUT_MS: "10000",
};

/**
 * A fresh migrated database (on the shared Postgres unless `databaseAdminUrl` names another
 * server) and unique stream names on a Redis: a URL (the shared Redis by default), or the env
 * that reaches one, e.g. through Sentinel (REDIS_SENTINELS...).
 */
export async function createRig(
  redisUrlOrEnv: string | Record<string, string> = TEST_REDIS_URL,
  { databaseAdminUrl }: { databaseAdminUrl?: string } = {},
): Promise<FaultRig> {
  const redisEnv = typeof redisUrlOrEnv === "string" ? { REDIS_URL: redisUrlOrEnv } : redisUrlOrEnv;
  const db = await createTestDatabase({ adminUrl: databaseAdminUrl });
  const names = uniqueStreamNames();
  // Commands wait for the reconnect while a test has its private Redis stopped.
  const redis = createRedis(parseConfig(redisEnv).redis, { name: "test:rig", log: silentLogger });
  const children: ChildProcess[] = [];
  return {
    db,
    names,
    redisEnv,
    redis,
    children,
    spawn(entrypoint, extra = {}) {
      const child = spawnEntrypoint(entrypoint, {
        ...FAST_TUNABLES,
        ...streamEnv(names),
        DATABASE_URL: db.url,
        ...redisEnv,
        ...extra,
      });
      children.push(child);
      return child;
    },
    async close() {
      await Promise.all(children.map((child) => child.stop("SIGKILL")));
      await redis.del(names.stream, names.deadLetter).catch(() => {});
      await redis.quit().catch(() => redis.disconnect());
      await db.drop();
    },
  };
}

export interface SeedOptions {
  /** Recipient account; `FAIL…` and `FLAKY…` steer the simulated provider. */
  account?: string;
  /** Append one job per payout to the stream (default true). */
  publish?: boolean;
  /** Leave the outbox rows in place so the relay publishes (again) later (default false). */
  keepOutbox?: boolean;
}

/**
 * Creates `count` pending payouts through the repository (payout, event and outbox row in
 * one statement), then appends their jobs with the producer the API and workers use.
 */
export async function seedPayouts(
  rig: FaultRig,
  count: number,
  options: SeedOptions = {},
): Promise<string[]> {
  const draft = buildDraft({
    amount: "10.00",
    currency: "USD",
    recipient_details: { account: options.account ?? "DE89370400440532013000" },
  });
  const actor = { name: "test:faults", apiKeyId: null };
  const created: { id: string; outboxId: string }[] = [];
  const CHUNK = 50;
  for (let start = 0; start < count; start += CHUNK) {
    const chunk = await Promise.all(
      Array.from({ length: Math.min(CHUNK, count - start) }, async () => {
        const { payout, outboxId } = await insertPayout(
          rig.db.sql,
          crypto.randomUUID(),
          draft,
          "pending",
          actor,
        );
        return { id: payout.id, outboxId: outboxId! };
      }),
    );
    created.push(...chunk);
  }
  const ids = created.map((row) => row.id);
  if (options.publish ?? true) await appendJobs(rig, ids);
  if (!options.keepOutbox) await deleteOutboxRows(rig.db.sql, created.map((row) => row.outboxId));
  return ids;
}

/** Appends one job per payout id to the rig's stream, as the service's producer does. */
export async function appendJobs(rig: FaultRig, payoutIds: string[]): Promise<void> {
  await new StreamProducer(rig.redis, rig.db.sql, rig.names.stream, silentLogger).append(payoutIds);
}

export type StatusCounts = Partial<Record<string, number>>;

/** How many payouts are in each status. */
export async function statusCounts(sql: postgres.Sql): Promise<StatusCounts> {
  const rows = await sql<{ status: string; n: number }[]>`
    select status, count(*)::int as n from payouts group by status
  `;
  return Object.fromEntries(rows.map((row) => [row.status, row.n]));
}

/** Waits until at least `count` payouts are in `status`. */
export async function waitForStatus(
  sql: postgres.Sql,
  status: string,
  count: number,
  timeoutMs = DEADLINE_MS,
): Promise<void> {
  let last: StatusCounts = {};
  await explained(
    waitFor(async () => {
      last = await statusCounts(sql);
      return (last[status] ?? 0) >= count;
    }, { timeoutMs, intervalMs: 200, message: `${count} payouts ${status}` }),
    () => `status counts: ${JSON.stringify(last)}`,
  );
}

/** Rethrows a failed wait with what the world looked like at the deadline. */
export async function explained<T>(wait: Promise<T>, describe: () => string): Promise<T> {
  try {
    return await wait;
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : error}\n${describe()}`);
  }
}

/**
 * Asserts the promise of the issue: every one of `ids` is completed and has exactly one
 * `paid` call at the provider, no payout is left in processing, and nothing else was paid.
 */
export async function assertEachCompletedAndPaidOnce(sql: postgres.Sql, ids: string[]) {
  const counts = await statusCounts(sql);
  assert.equal(counts.processing ?? 0, 0, `payouts left in processing: ${JSON.stringify(counts)}`);
  const unfinished = await sql<{ id: string; status: string }[]>`
    select id, status from payouts where id = any(${ids}::uuid[]) and status <> 'completed'
  `;
  assert.deepEqual([...unfinished], [], "every payout is completed");
  const paid = await sql<{ payout_id: string; n: number }[]>`
    select payout_id, count(*)::int as n from provider_calls where outcome = 'paid' group by 1
  `;
  const wanted = new Set(ids);
  const twice = paid.filter((row) => row.n !== 1);
  assert.deepEqual([...twice], [], "no payout is paid more than once");
  assert.equal(paid.length, ids.length, "every payout is paid");
  assert.ok(paid.every((row) => wanted.has(row.payout_id)), "only these payouts are paid");
}

/** Waits until a child's output contains `text`, looking only past offset `after`. */
export async function waitForOutput(
  child: ChildProcess,
  text: string,
  { after = 0, timeoutMs = DEADLINE_MS }: { after?: number; timeoutMs?: number } = {},
) {
  await explained(
    waitFor(() => child.output().indexOf(text, after) >= 0, {
      timeoutMs,
      message: `process output to contain ${JSON.stringify(text)}`,
    }),
    () => `output tail:\n${child.output().slice(-3000)}`,
  );
}

/** A new API key in `sql`'s database, for requests to an API process. */
export async function createApiKey(sql: postgres.Sql) {
  return await new ApiKeyService(sql).create(`faults-${crypto.randomUUID().slice(0, 8)}`);
}

/**
 * Starts an API process (main.ts) of the rig on a free port, `extra` added to its env, and
 * waits until it listens; returns it and its create URL.
 */
export async function startApi(
  rig: FaultRig,
  extra: Record<string, string> = {},
): Promise<{ api: ChildProcess; payoutsUrl: string }> {
  const port = freePort();
  const api = rig.spawn("main.ts", { PORT: String(port), HOST: "127.0.0.1", ...extra });
  await waitForOutput(api, "api listening");
  return { api, payoutsUrl: `http://127.0.0.1:${port}/api/payouts/` };
}

/** Waits until a request with this key is authenticated: authentication stamps its last use. */
export async function waitForKeyUse(sql: postgres.Sql, keyId: string, message: string) {
  await waitFor(async () => {
    const [row] = await sql`select last_used_at from api_keys where id = ${keyId}`;
    return row.last_used_at !== null;
  }, { timeoutMs: DEADLINE_MS, message });
}

/** The sum of `count` over the JSON log lines `message` of these processes. */
export function loggedCount(children: ChildProcess[], message: string): number {
  let total = 0;
  for (const line of children.flatMap((child) => child.output().split("\n"))) {
    if (!line.startsWith("{")) continue;
    const record = JSON.parse(line);
    if (record.msg === message) total += Number(record.count);
  }
  return total;
}

/**
 * The longest time without a payout completing: with the burst feeding work throughout, the
 * time the failover stopped (or slowed) processing.
 */
export async function longestCompletionGapMs(sql: postgres.Sql): Promise<number> {
  const [{ ms }] = await sql<{ ms: number | null }[]>`
    select max(extract(epoch from gap) * 1000) as ms from (
      select updated_at - lag(updated_at) over (order by updated_at) as gap
      from payouts where status = 'completed'
    ) gaps
  `;
  return Math.round(Number(ms));
}
