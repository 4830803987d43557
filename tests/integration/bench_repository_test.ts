import assert from "node:assert/strict";
import { settleSeededPayouts } from "../../bench/bench.repository.ts";
import { insertSeedPayouts } from "../../scripts/seed/seed.repository.ts";
import { type TestDatabase, testSql, withTestDatabase } from "../helpers/database.ts";

/** Pages of the payout tables in shared buffers that Postgres has yet to write out. */
async function dirtyPayoutPages(db: TestDatabase): Promise<number> {
  const [row] = await db.sql<{ n: number }[]>`
    select count(*)::int as n
    from pg_buffercache b
    join pg_class c on b.relfilenode = pg_relation_filenode(c.oid)
    where b.reldatabase = (select oid from pg_database where datname = current_database())
      and c.relname in ('payouts', 'payout_events') and b.isdirty
  `;
  return row.n;
}

Deno.test("the benchmark leaves seeded payouts at rest: vacuumed, analyzed and written out", async () => {
  await withTestDatabase(async (db) => {
    await db.sql`create extension if not exists pg_buffercache`;
    await insertSeedPayouts(
      db.sql,
      Array.from({ length: 2000 }, () => ({
        id: crypto.randomUUID(),
        amount: "1.00",
        currency: "USD",
        recipientDetails: { account: "DE89370400440532013000" },
        description: "",
      })),
      "seed",
    );
    assert.ok(await dirtyPayoutPages(db) > 0, "a fresh load is still in shared buffers");

    assert.deepEqual(await settleSeededPayouts(db.sql), { checkpointed: true });

    // The vacuum dirties pages of its own (hint bits, visibility map): only a checkpoint
    // after it leaves none for Postgres to write while the reads are measured.
    assert.equal(await dirtyPayoutPages(db), 0);
    const [stats] = await db.sql<{ vacuumed: boolean; analyzed: boolean }[]>`
      select last_vacuum is not null as vacuumed, last_analyze is not null as analyzed
      from pg_stat_user_tables where relname = 'payouts'
    `;
    assert.deepEqual({ ...stats }, { vacuumed: true, analyzed: true });
  });
});

Deno.test("without the privilege to checkpoint, settling skips the checkpoint and says so", async () => {
  await withTestDatabase(async (db) => {
    const role = `bench_plain_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
    await db.sql`create role ${db.sql(role)} login`;
    const url = new URL(db.url);
    url.username = role;
    const plain = testSql(url.toString());
    try {
      // Not the owner: the vacuum skips the tables with a warning; CHECKPOINT is refused.
      assert.deepEqual(await settleSeededPayouts(plain), { checkpointed: false });
    } finally {
      await plain.end();
      await db.sql`drop role ${db.sql(role)}`;
    }
  });
});
