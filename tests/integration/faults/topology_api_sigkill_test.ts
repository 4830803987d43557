/**
 * Three API replicas behind HAProxy, on PgBouncer, with three workers: one replica is killed
 * with SIGKILL in the middle of a burst of creates whose clients retry with their
 * Idempotency-Key. HAProxy takes it out of rotation; no create is lost or doubled.
 */
import assert from "node:assert/strict";
import { topologyUnavailable, withTopology } from "../../helpers/topology.ts";
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
const unavailable = topologyUnavailable();
if (unavailable) console.warn(`topology_api_sigkill_test: ${unavailable}`);

Deno.test({
  name: "an API replica killed with SIGKILL mid-burst: every keyed create answered once, paid once",
  ignore: unavailable !== undefined,
  async fn() {
    await withTopology({ env: FAST_TUNABLES }, async (topology) => {
      const { sql } = topology.db;
      const { key } = await createApiKey(sql);
      const victim = topology.apis[1];
      const result = await keyedBurst({
        origin: topology.origin,
        apiKey: key,
        count: COUNT,
        clients: 12,
        faultAfter: 60,
        fault: async () => {
          const status = await victim.child.stop("SIGKILL");
          assert.equal(status.signal, "SIGKILL");
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
      const proxy = await topology.haproxy.backendStats();
      console.log(countsLine(
        "API replica SIGKILL",
        result,
        completed,
        duplicates,
        `HAProxy retries ${proxy.retries}, redispatches ${proxy.redispatches}`,
      ));

      // The survivors and the workers still stop cleanly.
      for (const child of [topology.apis[0].child, topology.apis[2].child, ...topology.workers]) {
        const status = await child.stop("SIGTERM");
        assert.equal(status.code, 0, child.output().slice(-2000));
      }
    });
  },
});
