/**
 * A real Postgres restart (a private cluster: stop fast, ~3 s down, start) under a burst of
 * creates whose clients retry with their Idempotency-Key, honouring Retry-After. The API
 * answers 503 problems while Postgres is down, never another 5xx, and serves again soon
 * after Postgres accepts connections; nothing is created or paid twice.
 */
import { sampleValue } from "../../helpers/metrics_text.ts";
import assert from "node:assert/strict";
import { sleep } from "../../../src/runtime/sleep.ts";
import { postgresServerSkipReason, startPostgresServer } from "../../helpers/postgres_server.ts";
import { TEST_REDIS_URL } from "../../helpers/redis.ts";
import {
  appendJobs,
  assertEachCompletedAndPaidOnce,
  createApiKey,
  createRig,
  seedPayouts,
  startApi,
  waitForOutput,
  waitForStatus,
} from "./fault_fixtures.ts";

const COUNT = 300;
const CLIENTS = 10;
const RESTART_AFTER = 100;
const DOWN_MS = 3000;
/** Payouts whose jobs reach the worker while Postgres is down: it holds them throughout. */
const HELD = 20;
/** Generous on two noisy cores: it catches a pool that stays broken, not a slow second. */
const RECOVERY_BOUND_MS = 5000;

const skip = postgresServerSkipReason();
if (skip) console.warn(`skipping the Postgres restart fault test: ${skip}`);

/** What the clients and the prober saw. */
interface Seen {
  statuses: Map<number, number>;
  /** 503s that were not problem+json with a Retry-After, described. */
  bad503s: string[];
  replays: number;
}

function count(seen: Seen, status: number) {
  seen.statuses.set(status, (seen.statuses.get(status) ?? 0) + 1);
}

/** Checks a 503 is the outage problem; returns its Retry-After in ms. */
function outageRetryMs(seen: Seen, response: Response, text: string): number {
  const retryAfter = Number(response.headers.get("retry-after"));
  const type = response.headers.get("content-type");
  let body: { type?: string; dependency?: string } = {};
  try {
    body = JSON.parse(text);
  } catch {
    // reported below
  }
  if (
    type !== "application/problem+json" || !(retryAfter >= 1) ||
    body.type !== "/problems/dependency_unavailable" || body.dependency !== "postgres"
  ) {
    seen.bad503s.push(`${type} Retry-After=${response.headers.get("retry-after")} ${text}`);
  }
  return (retryAfter >= 1 ? retryAfter : 1) * 1000;
}

Deno.test({
  name: "a Postgres restart during a burst: 503s with Retry-After, quick recovery, nothing twice",
  ignore: skip !== undefined,
  async fn() {
    const pg = await startPostgresServer();
    const rig = await createRig(TEST_REDIS_URL, { databaseAdminUrl: pg.adminUrl });
    try {
      const { sql } = rig.db;
      const { key } = await createApiKey(sql);
      const { api, payoutsUrl } = await startApi(rig);
      const origin = new URL(payoutsUrl).origin;
      const worker = rig.spawn("worker.ts");
      await waitForOutput(worker, "worker started");
      const auth = { Authorization: `Bearer ${key}` };
      const seen: Seen = { statuses: new Map(), bad503s: [], replays: 0 };
      const run = crypto.randomUUID().slice(0, 8);

      // Postgres goes away once RESTART_AFTER payouts are created, and comes back DOWN_MS later.
      let created = 0;
      let startRestart: () => void = () => {};
      const restartDue = new Promise<void>((resolve) => (startRestart = resolve));
      let acceptedAt: number | undefined;
      let acceptedWall = 0;
      let healthWhileDown: { status: number; checks?: Record<string, string> } | undefined;
      let held: string[] = [];
      const restart = restartDue.then(async () => {
        held = await seedPayouts(rig, HELD, { publish: false });
        await pg.stop("fast");
        const down = performance.now();
        const after = worker.output().length;
        await appendJobs(rig, held);
        await waitForOutput(worker, "dependency unreachable; holding the job", { after });
        const health = await fetch(`${origin}/health/`);
        healthWhileDown = { status: health.status, checks: (await health.json()).checks };
        await sleep(DOWN_MS - (performance.now() - down));
        await pg.start();
        acceptedAt = performance.now();
        acceptedWall = Date.now();
      });

      // Ignores Retry-After on purpose: it measures when the API serves again.
      let recoveredAt: number | undefined;
      const probe = restartDue.then(async () => {
        while (recoveredAt === undefined) {
          const response = await fetch(`${payoutsUrl}?limit=1`, { headers: auth });
          const text = await response.text();
          count(seen, response.status);
          if (response.status === 503) outageRetryMs(seen, response, text);
          if (response.ok && acceptedAt !== undefined) recoveredAt = performance.now();
          await sleep(20);
        }
      });

      const createOne = async (index: number): Promise<string> => {
        while (true) {
          const response = await fetch(payoutsUrl, {
            method: "POST",
            headers: {
              ...auth,
              "Content-Type": "application/json",
              "Idempotency-Key": `restart-${run}-${index}`,
            },
            body: JSON.stringify({
              amount: "12.34",
              currency: "EUR",
              recipient_details: { account: "DE89370400440532013000" },
            }),
          });
          const text = await response.text();
          count(seen, response.status);
          if (response.status === 201) {
            if (response.headers.get("idempotent-replayed") === "true") seen.replays++;
            if (++created === RESTART_AFTER) startRestart();
            return JSON.parse(text).id;
          }
          if (response.status === 503) await sleep(outageRetryMs(seen, response, text));
          else if (response.status === 409) await sleep(100); // still in flight: retry
          else throw new Error(`create ${index} answered ${response.status}: ${text}`);
        }
      };

      let next = 0;
      const ids: string[] = [];
      await Promise.all(Array.from({ length: CLIENTS }, async () => {
        while (next < COUNT) ids.push(await createOne(next++));
      }));
      await restart;
      await probe;

      await waitForStatus(sql, "completed", COUNT + HELD);
      const [{ payouts }] = await sql<{ payouts: number }[]>`
        select count(*)::int as payouts from payouts
      `;
      const [{ first }] = await sql<{ first: Date | null }[]>`
        select min(called_at) as first from provider_calls
        where payout_id = any(${held}::uuid[])
      `;
      const metrics = await (await fetch(`${origin}/metrics`)).text();
      const counted = sampleValue(metrics, "http_dependency_unavailable_total", {
        dependency: "postgres",
      });

      const unavailable = seen.statuses.get(503) ?? 0;
      const other5xx = [...seen.statuses].filter(([status]) => status >= 500 && status !== 503);
      const recoveryMs = Math.round(recoveredAt! - acceptedAt!);
      const workerMs = first!.getTime() - acceptedWall;
      console.log(
        `postgres restart (${DOWN_MS} ms down): created=${new Set(ids).size} ` +
          `completed=${COUNT} (+${HELD} held by the worker) duplicates=${payouts - COUNT - HELD} ` +
          `replays=${seen.replays} ` +
          `503s=${unavailable} other_5xx=${other5xx.reduce((sum, [, n]) => sum + n, 0)} ` +
          `api_recovery_ms=${recoveryMs} worker_recovery_ms=${workerMs}`,
      );

      assert.deepEqual(other5xx, [], "no 5xx but 503");
      assert.deepEqual(seen.bad503s, [], "every 503 is the outage problem with Retry-After");
      assert.ok(unavailable > 0, "some requests found Postgres down");
      assert.equal(counted, unavailable, "the metric counts every 503 answered");
      assert.deepEqual(healthWhileDown, {
        status: 503,
        checks: { postgres: "down", redis: "ok" },
      }, "/health/ names Postgres while it is down");
      assert.equal(new Set(ids).size, COUNT, "one payout per Idempotency-Key");
      assert.equal(payouts, COUNT + HELD, "no duplicate payouts");
      await assertEachCompletedAndPaidOnce(sql, [...ids, ...held]);
      assert.ok(
        recoveryMs <= RECOVERY_BOUND_MS,
        `the API served ${recoveryMs} ms after Postgres accepted connections again`,
      );
      assert.ok(
        workerMs <= RECOVERY_BOUND_MS,
        `the worker paid a held payout ${workerMs} ms after Postgres accepted connections again`,
      );

      for (const child of [api, worker]) {
        const status = await child.stop("SIGTERM");
        assert.equal(status.code, 0, child.output().slice(-2000));
      }
    } finally {
      await rig.close();
      await pg.close();
    }
  },
});
