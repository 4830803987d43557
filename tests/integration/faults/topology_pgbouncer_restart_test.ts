/**
 * Three API replicas behind HAProxy and three workers, all on PgBouncer in transaction mode:
 * PgBouncer is killed in the middle of a burst of keyed creates and started again a second
 * later. Clients retry what failed with the same Idempotency-Key; the processes connect
 * again by themselves. No create is lost or doubled, every payout is paid once.
 */
import assert from "node:assert/strict";
import { topologyUnavailable, waitForHealth, withTopology } from "../../helpers/topology.ts";
import { FAST_TUNABLES } from "./fault_fixtures.ts";
import { burstThroughFault, countsLine } from "./keyed_burst.ts";

const OUTAGE_MS = 1000;
const unavailable = topologyUnavailable();
if (unavailable) console.warn(`topology_pgbouncer_restart_test: ${unavailable}`);

Deno.test({
  name: "PgBouncer restarted mid-burst: every keyed create answered once, paid once",
  ignore: unavailable !== undefined,
  async fn() {
    await withTopology({ env: FAST_TUNABLES }, async (topology) => {
      let restartedAt = 0;
      const { result, completed, duplicates } = await burstThroughFault(topology, async () => {
        const status = await topology.pgbouncer.stop("SIGKILL");
        assert.equal(status?.signal, "SIGKILL");
        await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
        await topology.pgbouncer.start();
        restartedAt = performance.now();
      });
      // Every replica answers its health check again.
      await Promise.all(topology.apis.map((api) => waitForHealth(api.origin, 30_000)));
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
