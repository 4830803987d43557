/**
 * A real Postgres restart under the topology: three API replicas behind HAProxy and three
 * workers on PgBouncer, which fronts a private cluster (migrations and LISTEN go to it
 * directly). Postgres is stopped (fast, as a service restart does) in the middle of a burst
 * of keyed creates and started again about 3 s later. The API answers 503 problems with
 * Retry-After meanwhile, never another 5xx, and serves again soon after Postgres accepts
 * connections; nothing is lost, created or paid twice.
 */
import assert from "node:assert/strict";
import { sleep } from "../../../src/runtime/sleep.ts";
import { postgresServerSkipReason, startPostgresServer } from "../../helpers/postgres_server.ts";
import { topologyUnavailable, withTopology } from "../../helpers/topology.ts";
import { FAST_TUNABLES } from "./fault_fixtures.ts";
import {
  assertOnlyOutage503s,
  burstThroughFault,
  countsLine,
  msToFirstOkAfter,
} from "./keyed_burst.ts";

const DOWN_MS = 3000;
/** Generous on two noisy cores: it catches a pool that stays broken, not a slow second. */
const RECOVERY_BOUND_MS = 5000;
const unavailable = topologyUnavailable() ?? postgresServerSkipReason();
if (unavailable) console.warn(`topology_postgres_restart_test: ${unavailable}`);

Deno.test({
  name:
    "Postgres restarted under the topology mid-burst: only 503s meanwhile, each create once, paid once",
  ignore: unavailable !== undefined,
  async fn() {
    const pg = await startPostgresServer();
    try {
      const options = { env: FAST_TUNABLES, postgresAdminUrl: pg.adminUrl };
      await withTopology(options, async (topology) => {
        let acceptedAt = 0;
        const { result, completed, duplicates } = await burstThroughFault(topology, async () => {
          const down = performance.now();
          await pg.stop("fast");
          await sleep(DOWN_MS - (performance.now() - down));
          await pg.start();
          acceptedAt = performance.now();
        });
        const recoveryMs = msToFirstOkAfter(result, acceptedAt);
        console.log(countsLine(
          `Postgres restart (${DOWN_MS} ms down)`,
          result,
          completed,
          duplicates,
          `first 2xx through HAProxy ${recoveryMs} ms after Postgres accepted connections again`,
        ));

        assertOnlyOutage503s(result, "postgres");
        assert.ok(recoveryMs !== undefined, "a create was answered 2xx after Postgres was back");
        assert.ok(
          recoveryMs <= RECOVERY_BOUND_MS,
          `the API served ${recoveryMs} ms after Postgres accepted connections again`,
        );
        for (const child of topology.children) {
          const status = await child.stop("SIGTERM");
          assert.equal(status.code, 0, child.output().slice(-2000));
        }
      });
    } finally {
      await pg.close();
    }
  },
});
