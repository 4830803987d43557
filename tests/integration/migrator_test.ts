import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import {
  ensureDatabase,
  migrate,
  MigrationChecksumError,
  MigrationFailedError,
  MigrationMissingError,
} from "../../src/db/migrator.ts";
import {
  createTestDatabase,
  dropDatabase,
  type TestDatabase,
  testDatabaseUrl,
  testSql,
  uniqueDatabaseName,
} from "../helpers/database.ts";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const REPO_MIGRATIONS = new URL("../../migrations/", import.meta.url);

// Other work adds migrations; expectations follow whatever is on disk.
async function repoMigrationNames(): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(REPO_MIGRATIONS)) {
    if (entry.isFile && entry.name.endsWith(".sql")) names.push(entry.name);
  }
  return names.sort();
}

// postgres.js results are a Result subclass of Array; spread them ([...rows])
// before comparing with deepEqual, which checks prototypes.

// Files are written in the given order, so tests can write them out of order.
async function withFixture(
  files: [string, string][],
  fn: (db: TestDatabase, dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "migrator_test_" });
  const db = await createTestDatabase({ migrate: false });
  try {
    for (const [name, body] of files) {
      await Deno.writeTextFile(join(dir, name), body);
    }
    await fn(db, dir);
  } finally {
    await db.drop();
    await Deno.remove(dir, { recursive: true });
  }
}

async function recordedNames(sql: postgres.Sql): Promise<string[]> {
  const rows = await sql<{ name: string }[]>`
    select name from schema_migrations order by name`;
  return rows.map((r) => r.name);
}

async function tableExists(sql: postgres.Sql, table: string) {
  const [{ exists }] = await sql`select to_regclass(${table}) is not null as exists`;
  return exists as boolean;
}

Deno.test("migrate applies files in name order, not directory order", async () => {
  // 0002 needs 0001's table, and is written to disk first.
  await withFixture([
    ["0002_add_row.sql", "insert into widgets (id) values (1);"],
    ["0001_widgets.sql", "create table widgets (id int primary key);"],
  ], async ({ sql }, dir) => {
    const result = await migrate(sql, dir);
    assert.deepEqual(result, {
      applied: ["0001_widgets.sql", "0002_add_row.sql"],
      alreadyApplied: [],
    });
    assert.deepEqual([...await sql`select id from widgets`], [{ id: 1 }]);
  });
});

Deno.test("migrate ignores files that are not .sql", async () => {
  await withFixture([
    ["0001_widgets.sql", "create table widgets (id int);"],
    ["README.md", "not sql at all"],
    ["0002_draft.sql.bak", "this is not valid sql"],
  ], async ({ sql }, dir) => {
    await Deno.mkdir(join(dir, "archive"));
    const result = await migrate(sql, dir);
    assert.deepEqual(result.applied, ["0001_widgets.sql"]);
  });
});

Deno.test("migrate records each file's name and sha256 checksum", async () => {
  const body = "create table widgets (id int);\n-- ünïcode comment\n";
  await withFixture([["0001_widgets.sql", body]], async ({ sql }, dir) => {
    await migrate(sql, dir);
    const rows = await sql`
      select name, checksum, applied_at is not null as stamped
      from schema_migrations`;
    const expected = createHash("sha256").update(body, "utf8").digest("hex");
    assert.deepEqual([...rows], [{
      name: "0001_widgets.sql",
      checksum: expected,
      stamped: true,
    }]);
  });
});

Deno.test("a second migrate run applies nothing and leaves no lock held", async () => {
  await withFixture([
    ["0001_widgets.sql", "create table widgets (id int);"],
    ["0002_gadgets.sql", "create table gadgets (id int);"],
  ], async ({ sql }, dir) => {
    await migrate(sql, dir);
    const second = await migrate(sql, dir);
    assert.deepEqual(second, {
      applied: [],
      alreadyApplied: ["0001_widgets.sql", "0002_gadgets.sql"],
    });
    const [{ count }] = await sql`
      select count(*)::int as count from pg_locks
      where locktype = 'advisory'
        and database = (select oid from pg_database where datname = current_database())`;
    assert.equal(count, 0);
  });
});

Deno.test("migrate applies a newly added file on a later run", async () => {
  await withFixture([
    ["0001_widgets.sql", "create table widgets (id int);"],
  ], async ({ sql }, dir) => {
    await migrate(sql, dir);
    await Deno.writeTextFile(
      join(dir, "0002_gadgets.sql"),
      "create table gadgets (id int);",
    );
    const result = await migrate(sql, dir);
    assert.deepEqual(result, {
      applied: ["0002_gadgets.sql"],
      alreadyApplied: ["0001_widgets.sql"],
    });
  });
});

Deno.test("migrate rejects an applied file that was edited, naming it", async () => {
  await withFixture([
    ["0001_widgets.sql", "create table widgets (id int);"],
  ], async ({ sql }, dir) => {
    await migrate(sql, dir);
    await Deno.writeTextFile(
      join(dir, "0001_widgets.sql"),
      "create table widgets (id bigint);",
    );
    await Deno.writeTextFile(
      join(dir, "0002_gadgets.sql"),
      "create table gadgets (id int);",
    );
    await assert.rejects(migrate(sql, dir), (err) => {
      assert.ok(err instanceof MigrationChecksumError);
      assert.equal(err.migration, "0001_widgets.sql");
      assert.match(err.message, /0001_widgets\.sql was edited/);
      return true;
    });
    // Pending files are not applied on top of a tampered history.
    assert.equal(await tableExists(sql, "gadgets"), false);
  });
});

Deno.test("migrate rejects a recorded migration whose file is missing, naming it", async () => {
  await withFixture([
    ["0001_widgets.sql", "create table widgets (id int);"],
  ], async ({ sql }, dir) => {
    await migrate(sql, dir);
    await Deno.remove(join(dir, "0001_widgets.sql"));
    await assert.rejects(migrate(sql, dir), (err) => {
      assert.ok(err instanceof MigrationMissingError);
      assert.match(err.message, /0001_widgets\.sql .*missing/);
      return true;
    });
  });
});

Deno.test("a failing migration leaves no partial change and is not recorded; earlier ones stay", async () => {
  await withFixture([
    ["0001_widgets.sql", "create table widgets (id int);"],
    [
      "0002_broken.sql",
      "create table gadgets (id int);\ninsert into widgets values (1);\nselect * from no_such_table;\n",
    ],
    ["0003_later.sql", "create table later (id int);"],
  ], async ({ sql }, dir) => {
    await assert.rejects(migrate(sql, dir), (err) => {
      assert.ok(err instanceof MigrationFailedError);
      assert.equal(err.migration, "0002_broken.sql");
      assert.match(err.message, /0002_broken\.sql failed at line 3: .*no_such_table/);
      return true;
    });
    assert.deepEqual(await recordedNames(sql), ["0001_widgets.sql"]);
    assert.equal(await tableExists(sql, "widgets"), true);
    assert.equal(await tableExists(sql, "gadgets"), false);
    assert.equal(await tableExists(sql, "later"), false);
    assert.deepEqual([...await sql`select * from widgets`], []);

    // Fixing an unapplied file is allowed, and the run picks up from there.
    await Deno.writeTextFile(
      join(dir, "0002_broken.sql"),
      "create table gadgets (id int);",
    );
    const result = await migrate(sql, dir);
    assert.deepEqual(result.applied, ["0002_broken.sql", "0003_later.sql"]);
  });
});

Deno.test("concurrent migrate runs apply each file exactly once", async (t) => {
  // Without serialization the duplicate create or the primary key would
  // make some runs fail; the sleep widens the window for that to happen.
  const files: [string, string][] = [
    ["0001_widgets.sql", "create table widgets (id int primary key);"],
    [
      "0002_first.sql",
      "select pg_sleep(0.2);\ninsert into widgets values (1);",
    ],
    ["0003_second.sql", "insert into widgets values (2);"],
  ];
  const names = files.map(([name]) => name);
  for (const runs of [2, 5]) {
    await t.step(`${runs} runs on one fresh database`, async () => {
      await withFixture(files, async ({ url, sql }, dir) => {
        const clients = Array.from({ length: runs }, () => testSql(url));
        try {
          // allSettled, so no client is ended while another run is mid-way.
          const settled = await Promise.allSettled(
            clients.map((c) => migrate(c, dir)),
          );
          const results = settled.map((s) => {
            if (s.status === "rejected") throw s.reason;
            return s.value;
          });
          for (const r of results) {
            assert.deepEqual([...r.applied, ...r.alreadyApplied].sort(), names);
          }
          assert.deepEqual(results.flatMap((r) => r.applied).sort(), names);
        } finally {
          await Promise.all(clients.map((c) => c.end()));
        }
        assert.deepEqual(await recordedNames(sql), names);
        assert.deepEqual([...await sql`select id from widgets order by id`], [
          { id: 1 },
          { id: 2 },
        ]);
      });
    });
  }
});

/** Connects to `url` and checks that the server put the session in database `name`. */
async function assertConnectsTo(url: string, name: string): Promise<void> {
  const sql = testSql(url);
  try {
    const [{ db }] = await sql`select current_database() as db`;
    assert.equal(db, name);
  } finally {
    await sql.end();
  }
}

Deno.test("ensureDatabase creates a missing database and is idempotent", async () => {
  const name = uniqueDatabaseName();
  const url = testDatabaseUrl(name);
  try {
    assert.equal(await ensureDatabase(url), true);
    assert.equal(await ensureDatabase(url), false);
    await assertConnectsTo(url, name);
  } finally {
    await dropDatabase(name);
  }
});

Deno.test("ensureDatabase quotes names that need quoting", async () => {
  // Unquoted, the hyphens are a syntax error and the capitals fold to lower.
  const name = uniqueDatabaseName().replace("payouts_test_", "Payouts-Test-");
  const url = testDatabaseUrl(name);
  try {
    assert.equal(await ensureDatabase(url), true);
    await assertConnectsTo(url, name);
  } finally {
    await dropDatabase(name);
  }
});

Deno.test("two concurrent ensureDatabase calls both succeed", async () => {
  const name = uniqueDatabaseName();
  const url = testDatabaseUrl(name);
  try {
    const created = await Promise.all([ensureDatabase(url), ensureDatabase(url)]);
    assert.deepEqual(created.sort(), [false, true]);
  } finally {
    await dropDatabase(name);
  }
});

Deno.test("the repo's migrations apply cleanly", async () => {
  const db = await createTestDatabase();
  try {
    const names = await repoMigrationNames();
    assert.ok(names.includes("0001_payouts.sql"));
    assert.deepEqual(await recordedNames(db.sql), names);
    for (const table of ["payouts", "payout_events", "payout_outbox", "provider_calls"]) {
      assert.equal(await tableExists(db.sql, table), true, table);
    }
    const again = await migrate(db.sql, REPO_MIGRATIONS);
    assert.deepEqual(again.applied, []);
  } finally {
    await db.drop();
  }
});

function runCli(databaseUrl: string) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-env", "--allow-read", "scripts/migrate.ts"],
    cwd: REPO_ROOT,
    env: { DATABASE_URL: databaseUrl, NO_COLOR: "1" },
  }).output();
}

Deno.test("the migrate CLI creates a missing database and migrates it", async () => {
  const name = uniqueDatabaseName();
  const url = testDatabaseUrl(name);
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  const names = await repoMigrationNames();
  try {
    const first = await runCli(url);
    assert.equal(first.code, 0, decode(first.stderr));
    assert.deepEqual(decode(first.stdout).trim().split("\n"), [
      `created database ${name}`,
      ...names.map((n) => `applied ${n}`),
      `${names.length} migration(s) applied, 0 already applied`,
    ]);

    const sql = testSql(url);
    try {
      assert.deepEqual(await recordedNames(sql), names);
    } finally {
      await sql.end();
    }

    const second = await runCli(url);
    assert.equal(second.code, 0, decode(second.stderr));
    assert.equal(
      decode(second.stdout).trim(),
      `0 migration(s) applied, ${names.length} already applied`,
    );
  } finally {
    await dropDatabase(name);
  }
});

Deno.test("the migrate CLI exits 1 with one stderr line when the database is unreachable", async () => {
  const { code, stdout, stderr } = await runCli("postgres://postgres@127.0.0.1:1/x");
  assert.equal(code, 1);
  assert.equal(new TextDecoder().decode(stdout), "");
  const lines = new TextDecoder().decode(stderr).trimEnd().split("\n");
  assert.equal(lines.length, 1, lines.join("\n"));
  assert.match(lines[0], /^migrate: \S/);
});
