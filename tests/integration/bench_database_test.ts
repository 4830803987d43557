/** The benchmark's database cleanup for an interrupted run, against the real Postgres. */
import assert from "node:assert/strict";
import postgres from "postgres";
import { dropRunDatabases } from "../../bench/database.ts";
import { dropDatabase, testDatabaseUrl } from "../helpers/database.ts";

async function databases(prefix: string): Promise<string[]> {
  const sql = postgres(testDatabaseUrl("postgres"), { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ datname: string }[]>`
      select datname from pg_database where starts_with(datname, ${prefix}) order by datname
    `;
    return rows.map((row) => row.datname);
  } finally {
    await sql.end();
  }
}

async function createDatabase(name: string): Promise<void> {
  const sql = postgres(testDatabaseUrl("postgres"), { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`create database ${name}`);
  } finally {
    await sql.end();
  }
}

Deno.test("dropRunDatabases drops every database of the run, and only those", async () => {
  const hex = () => crypto.randomUUID().replaceAll("-", "").slice(0, 12);
  const run = hex();
  const other = hex();
  const ours = [
    `payouts_bench_${run}`,
    `payouts_bench_${run}_baseline`,
    `payouts_bench_${run}_growth_1000`,
  ];
  const theirs = `payouts_bench_${other}_growth_1000`;
  try {
    for (const name of [...ours, theirs]) await createDatabase(name);
    // A session left open on one of them, as an interrupted API's would be.
    const open = postgres(testDatabaseUrl(ours[2]), { max: 1, onnotice: () => {} });
    await open`select 1`;
    await dropRunDatabases(testDatabaseUrl("postgres"), run);
    await open.end().catch(() => {});
    assert.deepEqual(await databases(`payouts_bench_${run}`), []);
    assert.deepEqual(await databases(`payouts_bench_${other}`), [theirs]);
  } finally {
    for (const name of [...ours, theirs]) await dropDatabase(name);
  }
});
