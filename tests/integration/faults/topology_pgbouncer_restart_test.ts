/**
 * Three API replicas behind HAProxy and three workers, all on PgBouncer in transaction mode:
 * PgBouncer is killed in the middle of a burst of keyed creates and started again a second
 * later. Clients retry what failed with the same Idempotency-Key; the processes connect
 * again by themselves. While PgBouncer is down the API answers 503 problems with
 * Retry-After, never another 5xx; it serves again soon after PgBouncer accepts connections;
 * no create is lost or doubled, every payout is paid once.
 */
import assert from "node:assert/strict";
import { topologyUnavailable, waitForHealth, withTopology } from "../../helpers/topology.ts";
import { FAST_TUNABLES } from "./fault_fixtures.ts";
import {
  assertOnlyOutage503s,
  burstThroughFault,
  countsLine,
  msToFirstOkAfter,
} from "./keyed_burst.ts";

const OUTAGE_MS = 1000;
/** Generous on two noisy cores: it catches a pool that stays broken, not a slow second. */
const RECOVERY_BOUND_MS = 5000;
const unavailable = topologyUnavailable();
if (unavailable) console.warn(`topology_pgbouncer_restart_test: ${unavailable}`);

Deno.test({
  name:
    "PgBouncer restarted mid-burst: only 503s meanwhile, each keyed create answered once, paid once",
  ignore: unavailable !== undefined,
  async fn() {
    await withTopology({ env: FAST_TUNABLES }, async (topology) => {
      let acceptedAt = 0;
      const { result, completed, duplicates } = await burstThroughFault(topology, async () => {
        const status = await topology.pgbouncer.stop("SIGKILL");
        assert.equal(status?.signal, "SIGKILL");
        await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
        await topology.pgbouncer.start();
        acceptedAt = performance.now();
      });
      const recoveryMs = msToFirstOkAfter(result, acceptedAt);
      console.log(countsLine(
        "PgBouncer restart",
        result,
        completed,
        duplicates,
        `first 2xx ${recoveryMs} ms after PgBouncer accepted connections again`,
      ));

      assertOnlyOutage503s(result, "postgres");
      assert.ok(recoveryMs !== undefined, "a create was answered 2xx after PgBouncer was back");
      assert.ok(
        recoveryMs <= RECOVERY_BOUND_MS,
        `the API served ${recoveryMs} ms after PgBouncer accepted connections again`,
      );
      // Every replica answers its health check again.
      await Promise.all(topology.apis.map((api) => waitForHealth(api.origin, 30_000)));
      for (const child of topology.children) {
        const status = await child.stop("SIGTERM");
        assert.equal(status.code, 0, child.output().slice(-2000));
      }
    });
  },
});
