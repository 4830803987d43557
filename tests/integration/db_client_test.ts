/**
 * The service's postgres.js pool (createSql).
 *
 * A transaction begun while every connection is busy still gets a connection of its own.
 * postgres.js 3.4 marked a connection as a transaction's only when its BEGIN was sent within the
 * pool's pipelining depth (`max_pipeline`); a BEGIN queued deeper failed with UNSAFE_TRANSACTION
 * after the server ran it, leaving that pooled connection inside an open transaction that other
 * callers' statements then joined.
 *
 * A transaction whose session Postgres ends (a restart, a failover, pg_terminate_backend) fails
 * and the pool goes on serving. postgres.js 3.4 kept the ROLLBACK it wrote to the closed
 * connection as a pending write that every later reconnect queued behind, so that connection
 * never finished its startup again (CONNECT_TIMEOUT); with the write flushed on a timer, the
 * process could instead crash on a closed socket.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { createSql } from "../../src/db/client.ts";
import { withTestDatabase } from "../helpers/database.ts";
import { waitFor } from "../helpers/wait.ts";

const LOCK_KEY = 13_013;
// A shared lock held for the statement only, so every waiter gets it once the holder lets go;
// sent as text without parameters, since postgres.js holds back the next query on a connection
// while it describes a statement with parameters, which would keep the BEGIN off it.
const LOCK = `select pg_advisory_xact_lock_shared(${LOCK_KEY})`;
const POOL_SIZE = 2;

Deno.test("a transaction begun while every pool connection is busy commits on its own connection", async () => {
  await withTestDatabase(async (db) => {
    const holder = postgres(db.url, { max: 1, onnotice: () => {} });
    const pool = createSql(db.url, {
      max: POOL_SIZE,
      applicationName: "pool-test",
      prepare: true,
    });
    try {
      await holder`create table marks (id int primary key)`;
      await holder`select pg_advisory_lock(${LOCK_KEY})`;
      // Both connections open, then both wait on the lock.
      await Promise.all([pool`select 1`, pool`select 1`]);
      const waiting = Array.from(
        { length: POOL_SIZE },
        () => pool.unsafe(LOCK).then(() => "acquired"),
      );
      await waitFor(async () => {
        const [row] = await holder<{ n: number }[]>`
          select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock'
        `;
        return row.n === POOL_SIZE;
      }, { message: "every pool connection to wait on the lock" });

      // Its BEGIN is queued behind a lock wait on a busy connection.
      const transaction = pool.begin(async (tx) => {
        await tx`insert into marks (id) values (1)`;
        return "committed";
      });
      await holder`select pg_advisory_unlock(${LOCK_KEY})`;
      assert.deepEqual(await Promise.all(waiting), Array(POOL_SIZE).fill("acquired"));
      assert.equal(await transaction, "committed");

      const [marks] = await holder<{ n: number }[]>`select count(*)::int as n from marks`;
      assert.equal(marks.n, 1, "the transaction's insert is committed");
      const [open] = await holder<{ n: number }[]>`
        select count(*)::int as n from pg_stat_activity
        where datname = current_database() and state like 'idle in transaction%'
      `;
      assert.equal(open.n, 0, "no pooled connection is left inside a transaction");
    } finally {
      // The holder's session ends first, releasing the lock the pool's queries may wait on.
      await holder.end();
      await pool.end();
    }
  }, { migrate: false });
});

Deno.test("a transaction whose session Postgres terminates fails, and the pool goes on serving", async () => {
  await withTestDatabase(async (db) => {
    const admin = postgres(db.url, { max: 1, onnotice: () => {} });
    const pool = createSql(db.url, { max: 1, applicationName: "pool-test", prepare: true });
    try {
      for (let round = 1; round <= 3; round++) {
        const transaction = pool.begin(async (tx) => {
          const [{ pid }] = await tx<{ pid: number }[]>`select pg_backend_pid() as pid`;
          await admin`select pg_terminate_backend(${pid})`;
          await tx`select 1`;
        });
        await assert.rejects(transaction, Error, `round ${round}: the transaction fails`);
        const [row] = await pool<{ round: number }[]>`select ${round}::int as round`;
        assert.equal(row.round, round, `round ${round}: the pool reconnects and answers`);
      }
    } finally {
      await admin.end();
      await pool.end();
    }
  }, { migrate: false });
});
