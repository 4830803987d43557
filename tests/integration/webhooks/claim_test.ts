/**
 * The dispatchers' claim against a long backlog: it leases each endpoint's oldest due
 * messages up to the room under its cap, and when an endpoint is full it does not read that
 * endpoint's backlog at all. The claim runs every time a delivery ends, so one that walked
 * the backlog made delivery to a busy endpoint slower the longer its backlog grew.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { claimDueMessages, type ClaimOptions } from "../../../src/webhooks/dispatch.repository.ts";
import { withTestDatabase } from "../../helpers/database.ts";
import { createEndpoint, insertMessages } from "./webhook_fixtures.ts";

const BACKLOG = 3000;
const CAP = 4;

/** Rows of webhook_messages read so far (index entries and sequential), as Postgres counts. */
async function rowsRead(sql: postgres.Sql): Promise<number> {
  // Statistics reach the shared counters when a session goes idle; force this one's now.
  await sql`select pg_stat_force_next_flush()`;
  const [row] = await sql<{ n: number }[]>`
    select (coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0))::int as n
    from pg_stat_user_tables where relname = 'webhook_messages'
  `;
  return row.n;
}

Deno.test("a claim takes each endpoint's oldest due messages up to its cap and does not read a full endpoint's backlog", async () => {
  await withTestDatabase(async (db) => {
    // One session, so that the statistics it flushes are those of the claims.
    const session = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      const busy = await createEndpoint(db.sql, "https://busy.example/hook");
      const quiet = await createEndpoint(db.sql, "https://quiet.example/hook");
      await insertMessages(db.sql, busy.id, BACKLOG);
      // Written after the whole busy backlog: last in the due order.
      const quietIds = await insertMessages(db.sql, quiet.id, 2);
      await db.sql`analyze webhook_messages`;
      const options: ClaimOptions = {
        worker: "test:claim",
        limit: 100,
        leaseMs: 60_000,
        endpointConcurrency: CAP,
        firstDelayMs: 0,
      };

      const first = await claimDueMessages(session, options);
      const byEndpoint = (endpointId: string) =>
        first.filter((m) => m.endpointId === endpointId).map((m) => m.id).sort();
      const oldestBusy = await db.sql<{ id: string }[]>`
        select id from webhook_messages where endpoint_id = ${busy.id}
        order by next_attempt_at, id limit ${CAP}
      `;
      assert.deepEqual(byEndpoint(busy.id), oldestBusy.map((row) => row.id).sort());
      assert.deepEqual(
        byEndpoint(quiet.id),
        [...quietIds].sort(),
        "the quiet endpoint is not starved",
      );
      assert.equal(first.length, CAP + quietIds.length);

      // Both endpoints now hold every lease they may: nothing to claim, and nothing to read
      // beyond the leases themselves.
      const before = await rowsRead(session);
      assert.deepEqual(await claimDueMessages(session, options), []);
      const read = (await rowsRead(session)) - before;
      assert.ok(read < 100, `the claim read ${read} rows of a ${BACKLOG}-message backlog`);
    } finally {
      await session.end();
    }
  });
});
