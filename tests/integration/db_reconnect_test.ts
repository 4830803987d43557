/**
 * createSql's pool after a Postgres restart: it serves again within about half a second of
 * the server accepting connections. postgres.js's default reconnect backoff grows as
 * 3^attempt/100 s (to 20 s) and fails every query at once until the wait is over, so after
 * a 3 s outage a pool with the default kept failing for 4–7 s with Postgres back up.
 */
import assert from "node:assert/strict";
import { createSql } from "../../src/db/client.ts";
import { sleep } from "../../src/runtime/sleep.ts";
import { postgresServerSkipReason, startPostgresServer } from "../helpers/postgres_server.ts";

const DOWN_MS = 3000;
const skip = postgresServerSkipReason();
if (skip) console.warn(`skipping the pool reconnect test: ${skip}`);

Deno.test({
  name: "the service's pool serves again within a second of Postgres accepting connections",
  ignore: skip !== undefined,
  async fn() {
    const server = await startPostgresServer();
    const sql = createSql(server.adminUrl, {
      max: 4,
      applicationName: "reconnect-test",
      prepare: true,
    });
    try {
      await sql`select 1`;
      await server.stop("fast");
      // Queries all through the outage, as a busy API sends them: each failure grows the
      // pool's backoff.
      let failures = 0;
      const until = performance.now() + DOWN_MS;
      while (performance.now() < until) {
        await sql`select 1`.then(() => assert.fail("Postgres is down"), () => failures++);
        await sleep(20);
      }
      await server.start();
      const accepted = performance.now();
      let served: number | undefined;
      while (served === undefined) {
        await sql`select 1`.then(() => (served = performance.now()), () => {});
        await sleep(10);
      }
      const recoveryMs = Math.round(served - accepted);
      console.log(
        `pool recovery after a ${DOWN_MS} ms outage (${failures} failed queries): ${recoveryMs} ms`,
      );
      assert.ok(failures > 0);
      // Generous on two noisy cores; the default backoff misses it by seconds.
      assert.ok(recoveryMs <= 2000, `served ${recoveryMs} ms after Postgres accepted connections`);
    } finally {
      await sql.end({ timeout: 1 });
      await server.close();
    }
  },
});
