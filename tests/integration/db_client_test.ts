/**
 * The service's postgres.js pool (createSql): a query stuck on one connection holds up at
 * most one other query, so postgres.js never pipelines deep onto busy connections (which
 * grew its queue of busy connections without bound under sustained load).
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { createSql } from "../../src/db/client.ts";
import { withTestDatabase } from "../helpers/database.ts";
import { waitFor } from "../helpers/wait.ts";

const LOCK_KEY = 13_013;
// No parameters: postgres.js holds back the next query on a connection while it describes a
// statement with parameters, which would hide the pipelining this test is about.
const LOCK = `select pg_advisory_lock(${LOCK_KEY})`;
const QUICK_QUERIES = 10;

Deno.test("a query stuck on one pool connection holds up at most one other", async () => {
  await withTestDatabase(async (db) => {
    const holder = postgres(db.url, { max: 1, onnotice: () => {} });
    const pool = createSql(db.url, { max: 2, applicationName: "pipelining-test", prepare: true });
    try {
      await holder`select pg_advisory_lock(${LOCK_KEY})`;
      // Both connections open before anything waits.
      await Promise.all([pool`select 1`, pool`select 1`]);
      const stuck = pool.unsafe(LOCK, [], { prepare: true }).then(() => "acquired");
      await waitFor(async () => {
        const [row] = await holder<{ n: number }[]>`
          select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock'
        `;
        return row.n === 1;
      }, { message: "the pool's lock query to wait" });

      let answered = 0;
      const quick = Array.from(
        { length: QUICK_QUERIES },
        () =>
          pool<{ one: number }[]>`select 1 as one`.then(([row]) => {
            answered++;
            return row.one;
          }),
      );
      // Deep pipelining would leave about half of them queued behind the lock.
      await waitFor(() => answered >= QUICK_QUERIES - 1, {
        timeoutMs: 10_000,
        message: `${QUICK_QUERIES - 1} quick queries to be answered while one connection waits`,
      });

      await holder`select pg_advisory_unlock(${LOCK_KEY})`;
      assert.equal(await stuck, "acquired");
      assert.deepEqual(await Promise.all(quick), Array(QUICK_QUERIES).fill(1));
    } finally {
      // The holder's session ends first, releasing the lock the pool's query may wait on.
      await holder.end();
      await pool.end();
    }
  }, { migrate: false });
});
