/**
 * Three API replicas behind HAProxy, on PgBouncer, with three workers: one replica is killed
 * with SIGKILL in the middle of a burst of creates whose clients retry with their
 * Idempotency-Key. HAProxy takes it out of rotation; no create is lost or doubled.
 */
import assert from "node:assert/strict";
import { topologyUnavailable, withTopology } from "../../helpers/topology.ts";
import { FAST_TUNABLES } from "./fault_fixtures.ts";
import { burstThroughFault, countsLine } from "./keyed_burst.ts";

const unavailable = topologyUnavailable();
if (unavailable) console.warn(`topology_api_sigkill_test: ${unavailable}`);

Deno.test({
  name: "an API replica killed with SIGKILL mid-burst: every keyed create answered once, paid once",
  ignore: unavailable !== undefined,
  async fn() {
    await withTopology({ env: FAST_TUNABLES }, async (topology) => {
      const victim = topology.apis[1];
      const { result, completed, duplicates } = await burstThroughFault(topology, async () => {
        const status = await victim.child.stop("SIGKILL");
        assert.equal(status.signal, "SIGKILL");
      });
      const proxy = await topology.haproxy.backendStats();
      console.log(countsLine(
        "API replica SIGKILL",
        result,
        completed,
        duplicates,
        `HAProxy retries ${proxy.retries}, redispatches ${proxy.redispatches}`,
      ));

      // The survivors and the workers still stop cleanly.
      for (const child of topology.children.filter((child) => child !== victim.child)) {
        const status = await child.stop("SIGTERM");
        assert.equal(status.code, 0, child.output().slice(-2000));
      }
    });
  },
});
