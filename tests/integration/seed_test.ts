import assert from "node:assert/strict";
import { runDeno, taskArgs } from "../helpers/cli.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { createTestStreams, streamEnv, TEST_REDIS_URL } from "../helpers/redis.ts";

async function runSeed(args: string[], env: Record<string, string>) {
  const output = await runDeno([...await taskArgs("seed"), ...args], {
    REDIS_URL: TEST_REDIS_URL,
    ...env,
  });
  const lines = (text: string) => text.split("\n").filter((line) => line !== "");
  return { code: output.code, stdout: lines(output.stdout), stderr: lines(output.stderr) };
}

/** The `n` column of a one-row query. */
async function scalar(query: PromiseLike<readonly Record<string, unknown>[]>): Promise<number> {
  const [row] = await query;
  return Number(row.n);
}

Deno.test("seed --count 1200 writes payouts, created events and stream entries", async () => {
  const db = await createTestDatabase();
  const streams = createTestStreams();
  try {
    const result = await runSeed(["--count", "1200"], {
      DATABASE_URL: db.url,
      ...streamEnv(streams.names),
    });
    assert.equal(result.code, 0, result.stderr.join("\n"));
    assert.equal(result.stdout.length, 1, result.stdout.join("\n"));
    assert.match(result.stdout[0], /^seeded 1200 payouts in \d+\.\ds$/);
    // Not a terminal: no progress bar, and nothing went wrong.
    assert.deepEqual(result.stderr, []);

    const { sql } = db;
    assert.equal(
      await scalar(sql`select count(*)::int as n from payouts where status = 'pending'`),
      1200,
    );
    assert.equal(
      await scalar(
        sql`
          select count(*)::int as n from payout_events e join payouts p on p.id = e.payout_id
          where e.type = 'created' and e.actor = 'seed' and e.to_status = 'pending'
        `,
      ),
      1200,
    );
    assert.equal(await scalar(sql`select count(*)::int as n from payout_outbox`), 0);
    assert.equal(await streams.redis.xlen(streams.names.stream), 1200);
    const entries = await streams.redis.xrange(streams.names.stream, "-", "+", "COUNT", 5);
    for (const [, fields] of entries) {
      assert.equal(fields[0], "payout_id");
      const [row] = await sql`select status from payouts where id = ${fields[1]}`;
      assert.equal(row?.status, "pending");
    }

    // A realistic mix, every amount valid for its currency's ISO 4217 minor unit.
    const currencies = await sql<{ currency: string }[]>`
      select distinct currency from payouts order by currency
    `;
    assert.deepEqual(currencies.map((row) => row.currency), ["BHD", "EUR", "GBP", "JPY", "USD"]);
    assert.equal(
      await scalar(
        sql`
          select count(*)::int as n from payouts
          where amount <= 0 or amount > 1000000000
            or amount <> round(amount, case currency when 'JPY' then 0 when 'BHD' then 3 else 2 end)
        `,
      ),
      0,
    );
    const [event] = await sql`
      select e.detail, p.currency, p.amount::text from payout_events e
      join payouts p on p.id = e.payout_id where p.currency = 'JPY' limit 1
    `;
    assert.equal(event.detail.currency, "JPY");
    assert.match(event.detail.amount, /^[1-9][0-9]*$/);
    assert.equal(`${event.detail.amount}.0000`, event.amount);
    assert.ok(
      await scalar(sql`select count(*)::int as n from payouts where description <> ''`) > 0,
    );
    assert.equal(
      await scalar(
        sql`select count(distinct recipient_details->>'account')::int as n from payouts`,
      ),
      1200,
    );
  } finally {
    await streams.cleanup();
    await db.drop();
  }
});

Deno.test("seed --history writes finished payouts over months with their audit trail and no jobs", async () => {
  const db = await createTestDatabase();
  const streams = createTestStreams();
  try {
    const result = await runSeed(["--count", "2000", "--history"], {
      DATABASE_URL: db.url,
      ...streamEnv(streams.names),
    });
    assert.equal(result.code, 0, result.stderr.join("\n"));
    assert.match(result.stdout.at(-1) ?? "", /^seeded 2000 payouts in \d+\.\ds$/);
    const { sql } = db;
    const statuses = Object.fromEntries(
      (await sql<{ status: string; n: number }[]>`
        select status, count(*)::int as n from payouts group by status
      `).map((row) => [row.status, row.n]),
    );
    // Mostly completed, every other ending present, nothing left for a worker.
    assert.ok(statuses.completed > 1600, JSON.stringify(statuses));
    for (const status of ["failed", "canceled", "rejected"]) {
      assert.ok(statuses[status] > 0, `no ${status} payout: ${JSON.stringify(statuses)}`);
    }
    assert.equal(statuses.pending ?? 0, 0);
    assert.equal(await scalar(sql`select count(*)::int as n from payout_outbox`), 0);
    assert.equal(await streams.redis.exists(streams.names.stream), 0);
    // Created over months, each finished after it was created.
    const [span] = await sql<{ days: number; backwards: number }[]>`
      select extract(epoch from max(created_at) - min(created_at))::float8 / 86400 as days,
        count(*) filter (where updated_at < created_at)::int as backwards
      from payouts
    `;
    assert.ok(span.days > 90, `created over ${span.days} days`);
    assert.equal(span.backwards, 0);
    // One created event each, and a trail ending in the payout's own status.
    assert.equal(
      await scalar(sql`select count(*)::int as n from payout_events where type = 'created'`),
      2000,
    );
    assert.equal(
      await scalar(
        sql`
          select count(*)::int as n from payouts p
          where p.status is distinct from (
            select e.to_status from payout_events e where e.payout_id = p.id
            order by e.at desc, e.id desc limit 1
          )
        `,
      ),
      0,
    );
    // The constraints the API's reads rely on hold for every row.
    assert.equal(
      await scalar(
        sql`select count(*)::int as n from payouts where status in ('failed', 'rejected') and failure_reason is null`,
      ),
      0,
    );
    assert.ok(
      await scalar(sql`select count(distinct currency)::int as n from payouts`) >= 4,
    );
  } finally {
    await streams.cleanup();
    await db.drop();
  }
});

Deno.test("seed without --count creates 50, and leaves their jobs in the outbox while Redis is down", async () => {
  const db = await createTestDatabase();
  try {
    const result = await runSeed([], { DATABASE_URL: db.url, REDIS_URL: "redis://127.0.0.1:1" });
    assert.equal(result.code, 0, result.stderr.join("\n"));
    assert.match(result.stdout.at(-1) ?? "", /^seeded 50 payouts in \d+\.\ds/);
    assert.equal(await scalar(db.sql`select count(*)::int as n from payouts`), 50);
    assert.equal(
      await scalar(
        db.sql`
          select count(distinct o.payout_id)::int as n from payout_outbox o
          join payouts p on p.id = o.payout_id
        `,
      ),
      50,
    );
  } finally {
    await db.drop();
  }
});

Deno.test("seed rejects a bad --count or an unknown flag with exit 2 and one line", async (t) => {
  for (
    const args of [
      ["--count", "0"],
      ["--count", "abc"],
      ["--count", "-5"],
      ["--count", "1.5"],
      ["--count", "1000001"],
      ["--count"],
      ["--verbose"],
      ["100"],
    ]
  ) {
    await t.step(args.join(" "), async () => {
      // An unreachable database: argument errors must come before any connection.
      const result = await runSeed(args, { DATABASE_URL: "postgres://nobody@127.0.0.1:1/x" });
      assert.equal(result.code, 2);
      assert.equal(result.stderr.length, 1, result.stderr.join("\n"));
      assert.match(result.stderr[0], /^seed: /);
      if (args[0] === "--count") assert.match(result.stderr[0], /^seed: --count must be /);
      assert.deepEqual(result.stdout, []);
    });
  }
});

Deno.test("seed exits 1 with one line when the database is unusable", async (t) => {
  const cases: [string, string, RegExp][] = [
    ["a malformed DATABASE_URL", "mysql://admin:s3cret@db/x", /DATABASE_URL/],
    ["an unreachable server", "postgres://admin:s3cret@127.0.0.1:1/x", /ECONNREFUSED|connect/],
  ];
  for (const [name, url, pattern] of cases) {
    await t.step(name, async () => {
      const result = await runSeed(["--count", "5"], { DATABASE_URL: url });
      assert.equal(result.code, 1);
      assert.equal(result.stderr.length, 1, result.stderr.join("\n"));
      assert.match(result.stderr[0], /^seed: /);
      assert.match(result.stderr[0], pattern);
      assert.ok(!result.stderr[0].includes("s3cret"), result.stderr[0]);
      assert.deepEqual(result.stdout, []);
    });
  }
});
