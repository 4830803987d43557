/**
 * A Redis Sentinel failover in the middle of a burst of creates: the API and three workers,
 * real processes, reach Redis only through the sentinels. Nothing is lost (every payout
 * completes: jobs whose stream entries the dead master never passed on are published again
 * by the outbox relay or the reconciler), nothing is paid twice, no key makes two payouts,
 * and the same worker processes carry on by themselves.
 */
import assert from "node:assert/strict";
import { runScript } from "../../helpers/cli.ts";
import { streamEnv } from "../../helpers/redis.ts";
import { sentinelMissing, startRedisSentinels } from "../../helpers/redis_sentinel.ts";
import { waitFor } from "../../helpers/wait.ts";
import {
  assertEachCompletedAndPaidOnce,
  createApiKey,
  createRig,
  DEADLINE_MS,
  type FaultRig,
  loggedCount,
  longestCompletionGapMs,
  startApi,
  waitForOutput,
  waitForStatus,
} from "./fault_fixtures.ts";

const skip = sentinelMissing("the Redis Sentinel failover fault test");

/** Creates before the failover, while it happens (at least), and after it. */
const BEFORE = 80;
const DURING = 60;
/** While the failover runs, creates keep coming at about CLIENTS / PACE_MS a second. */
const PACE_MS = 250;
const AFTER = 60;
const CLIENTS = 6;
const WORKERS = 3;

interface BurstAnswers {
  /** Creates asked for (each with its own key, however often retried). */
  requested: number;
  /** Payout id per Idempotency-Key, from every answer that carried one. */
  idsByKey: Map<string, Set<string>>;
  answers: number;
  serverErrors: number;
  networkErrors: number;
}

/** Clients that retry a create with its Idempotency-Key until it is answered 201. */
function burstClient(payoutsUrl: string, apiKey: string) {
  const result: BurstAnswers = {
    requested: 0,
    idsByKey: new Map(),
    answers: 0,
    serverErrors: 0,
    networkErrors: 0,
  };
  const createOnce = async (idempotencyKey: string) => {
    result.requested++;
    for (let attempt = 1;; attempt++) {
      let status = 0;
      try {
        const response = await fetch(payoutsUrl, {
          method: "POST",
          headers: {
            Authorization: `Bearer ${apiKey}`,
            "Content-Type": "application/json",
            "Idempotency-Key": idempotencyKey,
          },
          body: JSON.stringify({
            amount: "10.00",
            currency: "EUR",
            recipient_details: { account: "DE89370400440532013000" },
          }),
        });
        status = response.status;
        const body = await response.json();
        result.answers++;
        if (status === 201) {
          const ids = result.idsByKey.get(idempotencyKey) ?? new Set();
          result.idsByKey.set(idempotencyKey, ids.add(body.id));
          return;
        }
        assert.ok(status >= 500, `create answered ${status}: ${JSON.stringify(body)}`);
        result.serverErrors++;
      } catch (error) {
        if (error instanceof assert.AssertionError) throw error;
        result.networkErrors++;
      }
      assert.ok(attempt < 100, `create ${idempotencyKey} not answered 201 after 100 tries`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  /**
   * Makes `count` creates, CLIENTS at a time, each with its own key; with `until`, goes on
   * (each client pausing `PACE_MS` between creates) until that settles too.
   */
  const burst = async (count: number, until?: Promise<unknown>) => {
    let settled = until === undefined;
    until?.finally(() => settled = true).catch(() => {});
    let next = 0;
    await Promise.all(Array.from({ length: CLIENTS }, async () => {
      while (next < count || !settled) {
        next++;
        await createOnce(crypto.randomUUID());
        if (until) await new Promise((resolve) => setTimeout(resolve, PACE_MS));
      }
    }));
  };
  return { result, burst };
}

/**
 * The run on a rig whose processes reach Redis through Sentinel (`rig.redisEnv`): any rig
 * will do, so a larger topology can start the processes; `failover` is the fault, resolving
 * once the replica is the master.
 */
async function burstThroughFailover(
  rig: FaultRig,
  fault: string,
  failover: () => Promise<{ promotedMs: number }>,
): Promise<void> {
  const { sql } = rig.db;
  const { key } = await createApiKey(sql);
  const { api, payoutsUrl } = await startApi(rig);
  const workers = Array.from({ length: WORKERS }, () => rig.spawn("worker.ts"));
  for (const worker of workers) await waitForOutput(worker, "worker started");
  await waitFor(async () => (await rig.redis.xinfo("GROUPS", rig.names.stream) as []).length, {
    timeoutMs: DEADLINE_MS,
    message: "the workers to create their consumer group",
  });

  const { result, burst } = burstClient(payoutsUrl, key);
  await burst(BEFORE);
  const failedOver = failover();
  const [{ promotedMs }] = await Promise.all([failedOver, burst(DURING, failedOver)]);
  await burst(AFTER);

  const ids = [...result.idsByKey.values()].flatMap((set) => [...set]);
  const keysWithTwo = [...result.idsByKey.values()].filter((set) => set.size > 1).length;
  await waitForStatus(sql, "completed", ids.length);
  const stalledMs = await longestCompletionGapMs(sql);
  const [{ payouts }] = await sql<{ payouts: number }[]>`
    select count(*)::int as payouts from payouts
  `;
  const [{ completed }] = await sql<{ completed: number }[]>`
    select count(*)::int as completed from payouts where status = 'completed'
  `;
  console.log(
    `redis failover (${fault}): created ${payouts}, completed ${completed}, ` +
      `duplicates ${keysWithTwo + payouts - ids.length}, 5xx answers ${result.serverErrors}, ` +
      `network errors ${result.networkErrors}, replica promoted after ${promotedMs} ms, ` +
      `longest time without a completion ${stalledMs} ms; ` +
      `republished by the workers: ${loggedCount(workers, "maintenance: outbox relay")} ` +
      `from the outbox, ${loggedCount(workers, "maintenance: reconcile")} by the reconciler`,
  );

  assert.ok(result.requested >= BEFORE + DURING + AFTER);
  assert.equal(result.idsByKey.size, result.requested, "every create was answered 201");
  assert.equal(keysWithTwo, 0, "no Idempotency-Key made two payouts");
  assert.equal(payouts, ids.length, "no payout beyond the answered ones");
  await assertEachCompletedAndPaidOnce(sql, ids);
  // The same processes: none exited or was restarted, and each stops cleanly.
  for (const child of [api, ...workers]) {
    const status = await child.stop("SIGTERM");
    assert.equal(status.code, 0, child.output().slice(-3000));
  }
  // The operators' CLI finds the new master through the sentinels too.
  const cli = await runScript("queue.ts", ["status"], {
    DATABASE_URL: rig.db.url,
    ...rig.redisEnv,
    ...streamEnv(rig.names),
  });
  assert.equal(cli.code, 0, cli.stderr);
  assert.ok(cli.stdout.split("\n").includes(`group: ${rig.names.group}`), cli.stdout);
}

for (const how of ["kill", "sentinel"] as const) {
  const fault = how === "kill" ? "SIGKILL of the master" : "SENTINEL FAILOVER";
  Deno.test({
    name:
      `a Redis Sentinel failover (${fault}) during a burst loses nothing and pays nothing twice`,
    ignore: skip,
    async fn() {
      const set = await startRedisSentinels();
      const rig = await createRig(set.env).catch(async (error) => {
        await set.stop();
        throw error;
      });
      try {
        await burstThroughFailover(rig, fault, () => set.failover(how));
      } catch (error) {
        throw new Error(`${error instanceof Error ? error.stack : error}\n${set.logs()}`);
      } finally {
        await rig.close();
        await set.stop();
      }
    },
  });
}
