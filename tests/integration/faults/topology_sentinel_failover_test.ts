/**
 * A Redis Sentinel failover on the topology: three API replicas behind HAProxy and three
 * workers, on PgBouncer, reach Redis only through the sentinels. The master is killed
 * (SIGKILL, its last half second of writes never replicated) in the middle of a burst of
 * keyed creates that keeps coming while the sentinels promote the replica. Nothing is lost
 * (every payout completes), nothing is paid twice, no key makes two payouts, and the same
 * worker processes carry on by themselves.
 */
import assert from "node:assert/strict";
import { sentinelMissing, startRedisSentinels } from "../../helpers/redis_sentinel.ts";
import { topologyUnavailable, withTopology } from "../../helpers/topology.ts";
import { FAST_TUNABLES, loggedCount, longestCompletionGapMs } from "./fault_fixtures.ts";
import { burstThroughFault, countsLine } from "./keyed_burst.ts";

/** While the failover runs, creates keep coming at about 12 clients / PACE_MS a second. */
const PACE_MS = 250;
const unavailable = topologyUnavailable();
if (unavailable) console.warn(`topology_sentinel_failover_test: ${unavailable}`);
const skip = unavailable !== undefined || sentinelMissing("the topology Sentinel failover test");

Deno.test({
  name:
    "a Redis master killed mid-burst on the topology: the replica takes over, nothing lost or paid twice",
  ignore: skip,
  async fn() {
    const set = await startRedisSentinels();
    try {
      await withTopology({ env: { ...FAST_TUNABLES, ...set.env } }, async (topology) => {
        let promotedMs = 0;
        const { result, completed, duplicates } = await burstThroughFault(
          topology,
          async () => void ({ promotedMs } = await set.failover("kill")),
          { paceDuringFaultMs: PACE_MS },
        );
        const stalledMs = await longestCompletionGapMs(topology.db.sql);
        const { workers } = topology;
        console.log(countsLine(
          "Redis Sentinel failover (master SIGKILL)",
          result,
          completed,
          duplicates,
          `replica promoted after ${promotedMs} ms, longest time without a completion ${stalledMs} ms, ` +
            `republished by the workers: ${loggedCount(workers, "maintenance: outbox relay")} ` +
            `from the outbox, ${loggedCount(workers, "maintenance: reconcile")} by the reconciler`,
        ));

        assert.deepEqual(result.other5xx.slice(0, 10), [], "no 5xx but the outage 503");
        // The same processes: none exited or was restarted, and each stops cleanly.
        for (const child of topology.children) {
          const status = await child.stop("SIGTERM");
          assert.equal(status.code, 0, child.output().slice(-3000));
        }
      });
    } catch (error) {
      throw new Error(`${error instanceof Error ? error.stack : error}\n${set.logs()}`);
    } finally {
      await set.stop();
    }
  },
});
