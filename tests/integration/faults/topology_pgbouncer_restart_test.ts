/**
 * Three API replicas behind HAProxy and three workers, all on PgBouncer in transaction mode:
 * PgBouncer is killed in the middle of a burst of keyed creates and started again a second
 * later. Clients retry what failed with the same Idempotency-Key; the processes connect
 * again by themselves. No create is lost or doubled, every payout is paid once.
 */
import assert from "node:assert/strict";
import { topologyUnavailable, withTopology } from "../../helpers/topology.ts";
import { waitFor } from "../../helpers/wait.ts";
import {
  assertEachCompletedAndPaidOnce,
  createApiKey,
  FAST_TUNABLES,
  statusCounts,
  waitForStatus,
} from "./fault_fixtures.ts";
import {
  assertReplaysAnswerTheSame,
  countsLine,
  duplicatePayouts,
  keyedBurst,
} from "./keyed_burst.ts";

const COUNT = 240;
const OUTAGE_MS = 1000;
const unavailable = topologyUnavailable();
if (unavailable) console.warn(`topology_pgbouncer_restart_test: ${unavailable}`);

Deno.test({
  name: "PgBouncer restarted mid-burst: every keyed create answered once, paid once",
  ignore: unavailable !== undefined,
  async fn() {
    await withTopology({ env: FAST_TUNABLES }, async (topology) => {
      const { sql } = topology.db;
      const { key } = await createApiKey(sql);
      let restartedAt = 0;
      const result = await keyedBurst({
        origin: topology.origin,
        apiKey: key,
        count: COUNT,
        clients: 12,
        faultAfter: 60,
        fault: async () => {
          const status = await topology.pgbouncer.stop("SIGKILL");
          assert.equal(status?.signal, "SIGKILL");
          await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
          await topology.pgbouncer.start();
          restartedAt = performance.now();
        },
      });
      assert.deepEqual(result.conflicting, [], "no key was answered with two payouts");
      assert.equal(result.idByKey.size, COUNT, "every key was answered");
      assert.equal(new Set(result.idByKey.values()).size, COUNT, "one payout per key");
      await assertReplaysAnswerTheSame(topology.origin, key, result.idByKey);
      const duplicates = await duplicatePayouts(sql, COUNT);
      assert.equal(duplicates, 0, "no payout beyond one per key");

      const ids = [...result.idByKey.values()];
      await waitForStatus(sql, "completed", COUNT);
      await assertEachCompletedAndPaidOnce(sql, ids);
      const completed = (await statusCounts(sql)).completed ?? 0;
      // Every replica is back in HAProxy's rotation (its /health/ answers 200 again).
      await waitFor(async () => {
        const statuses = await Promise.all(topology.apis.map(async (api) => {
          const response = await fetch(`http://127.0.0.1:${api.port}/health/`);
          await response.body?.cancel();
          return response.status;
        }));
        return statuses.every((status) => status === 200);
      }, { timeoutMs: 30_000, message: "every replica to be healthy again" });
      const afterRestart = result.firstSuccessAfterLastFailureAt === undefined
        ? "no failure seen"
        : `first answer after the last failure ${
          Math.round(result.firstSuccessAfterLastFailureAt - restartedAt)
        } ms after PgBouncer was back`;
      console.log(countsLine("PgBouncer restart", result, completed, duplicates, afterRestart));

      for (const child of topology.children) {
        const status = await child.stop("SIGTERM");
        assert.equal(status.code, 0, child.output().slice(-2000));
      }
    });
  },
});
