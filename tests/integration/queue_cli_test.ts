/**
 * `deno task queue` as operators run it: a real process against a test database and test
 * streams. `status` reports what Redis and Postgres hold; `requeue-dead` puts failed
 * payouts back safely (never a second payment); bad usage exits 2 with one line.
 */
import assert from "node:assert/strict";
import { createTestApp, type TestApp } from "../helpers/app.ts";
import { type CliResult, runScript } from "../helpers/cli.ts";
import { spawnEntrypoint } from "../helpers/processes.ts";
import { deliverWithoutAck, streamEnv, TEST_REDIS_URL } from "../helpers/redis.ts";
import { waitFor } from "../helpers/wait.ts";
import { createEndpoint } from "./webhooks/webhook_fixtures.ts";

/** Runs scripts/queue.ts with the permissions of `deno task queue`. */
function runQueue(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runScript("queue.ts", args, { REDIS_URL: TEST_REDIS_URL, ...env });
}

function queueEnv(t: TestApp): Record<string, string> {
  return { DATABASE_URL: t.db.url, ...streamEnv(t.names) };
}

async function createPayout(t: TestApp, account = "DE89370400440532013000"): Promise<string> {
  const response = await t.request("/api/payouts/", {
    method: "POST",
    headers: t.headers,
    body: JSON.stringify({ amount: "10.00", currency: "EUR", recipient_details: { account } }),
  });
  const body = await response.json();
  assert.equal(response.status, 201, JSON.stringify(body));
  return body.id;
}

/** Puts a payout in `failed` and its job in the dead-letter stream, as a worker would. */
async function deadLetterFailed(t: TestApp, id: string, reason: string): Promise<string> {
  await t.db.sql`
    update payouts set status = 'failed', failure_reason = ${reason}, attempts = 5,
      version = version + 1
    where id = ${id}
  `;
  return await deadLetterEntry(t, id, reason);
}

async function deadLetterEntry(t: TestApp, id: string, reason: string): Promise<string> {
  return (await t.redis.xadd(
    t.names.deadLetter,
    "*",
    "payout_id",
    id,
    "reason",
    reason,
    "entry_id",
    "1-0",
    "at",
    new Date().toISOString(),
  ))!;
}

Deno.test("queue status reports the stream, consumers, pending entries, dead letters, outbox, payouts and webhooks", async () => {
  const t = await createTestApp();
  try {
    // Each payout created below writes one payout.created message for it.
    const endpoint = await createEndpoint(t.db.sql, "https://hooks.example.com/in");
    const ids = [await createPayout(t), await createPayout(t), await createPayout(t)];
    const messages = await t.db.sql<{ id: string }[]>`
      select id from webhook_messages where endpoint_id = ${endpoint.id} order by id
    `;
    assert.equal(messages.length, 3);
    await t.db.sql`update webhook_messages set status = 'failed' where id = ${messages[0].id}`;
    await t.db.sql`
      update webhook_messages set next_attempt_at = clock_timestamp() + interval '1 hour'
      where id = ${messages[1].id}
    `;
    await t.producer.flush();
    await t.redis.xgroup("CREATE", t.names.stream, t.names.group, "0", "MKSTREAM");
    await deliverWithoutAck(t.redis, t.names, "worker-a", 2);
    await t.db.sql`
      update payouts set status = 'completed', version = version + 1 where id = ${ids[2]}
    `;
    const deadId = await deadLetterFailed(t, ids[1], "recipient account rejected");
    await t.db.sql`insert into payout_outbox (payout_id) values (${ids[0]})`;

    const run = await runQueue(["status"], queueEnv(t));
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.split("\n");
    const has = (line: string) =>
      assert.ok(
        lines.includes(line),
        `expected the line ${JSON.stringify(line)} in:\n${run.stdout}`,
      );
    has(`stream: ${t.names.stream}`);
    has("  length: 3");
    has(`group: ${t.names.group}`);
    has("  consumers: 1");
    has("  pending: 2");
    has("  lag: 1");
    has("  pending entries: 2");
    assert.match(run.stdout, /^ {2}consumer worker-a: pending 2, idle \d+\.\ds$/m);
    assert.match(
      run.stdout,
      /^ {4}oldest: \d+-\d+ \(age \d+\.\ds, idle \d+\.\ds, deliveries 1\)$/m,
    );
    has(`dead letters: 1 (${t.names.deadLetter})`);
    has(`  ${deadId} payout ${ids[1]}: recipient account rejected`);
    assert.match(run.stdout, /^outbox backlog: 1 \(oldest \d+\.\ds\)$/m);
    has(
      "payouts: needs_approval 0, pending 1, processing 0, completed 1, failed 1, rejected 0, returned 0, canceled 0",
    );
    assert.match(
      run.stdout,
      /^webhooks: pending 2, due now 1, failed 1 \(oldest pending \d+\.\ds\)$/m,
    );
  } finally {
    await t.close();
  }
});

Deno.test("requeue-dead reopens a failed payout; one the provider already paid completes without a second payment", async () => {
  const t = await createTestApp();
  let worker: ReturnType<typeof spawnEntrypoint> | undefined;
  try {
    const paidBefore = await createPayout(t);
    const completed = await createPayout(t);
    await t.producer.flush();
    // Only the jobs this test puts back should reach the worker.
    await t.redis.del(t.names.stream);
    await t.db.sql`
      insert into provider_calls (payout_id, outcome, amount, currency)
      values (${paidBefore}, 'paid', 10.00, 'EUR')
    `;
    const requeuedEntry = await deadLetterFailed(t, paidBefore, "job delivered 11 times");
    await t.db.sql`
      update payouts set status = 'completed', version = version + 1 where id = ${completed}
    `;
    const keptEntry = await deadLetterEntry(t, completed, "job delivered 11 times");

    const run = await runQueue(["requeue-dead"], queueEnv(t));
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split("\n");
    assert.deepEqual(lines, [
      `requeued ${requeuedEntry} payout ${paidBefore}: failed → pending`,
      `skipped ${keptEntry} payout ${completed}: payout is completed; not requeued`,
      "requeued 1 of 2 dead letters",
    ]);

    const dead = await t.redis.xrange(t.names.deadLetter, "-", "+");
    assert.deepEqual(dead.map(([id]) => id), [keptEntry], "the completed one stays");
    const jobs = await t.redis.xrange(t.names.stream, "-", "+");
    assert.deepEqual(jobs.map(([, fields]) => fields), [["payout_id", paidBefore]]);
    const [reopened] = await t.db.sql<
      { status: string; failure_reason: string | null; attempts: number }[]
    >`select status, failure_reason, attempts from payouts where id = ${paidBefore}`;
    assert.deepEqual({ ...reopened }, { status: "pending", failure_reason: null, attempts: 0 });
    const events = await t.db.sql<{ from_status: string; to_status: string; actor: string }[]>`
      select from_status, to_status, actor from payout_events
      where payout_id = ${paidBefore} and type = 'status_changed'
    `;
    assert.deepEqual(events.map((e) => ({ ...e })), [
      { from_status: "failed", to_status: "pending", actor: "queue:requeue" },
    ]);

    worker = spawnEntrypoint("worker.ts", {
      DATABASE_URL: t.db.url,
      ...streamEnv(t.names),
      PROVIDER_LATENCY_MS: "1",
      WORKER_BLOCK_MS: "200",
    });
    await waitFor(async () => {
      const [row] = await t.db.sql`select status from payouts where id = ${paidBefore}`;
      return row.status === "completed";
    }, { timeoutMs: 60_000, message: `the requeued payout completed\n${worker.output()}` });
    const calls = await t.db.sql<{ outcome: string }[]>`
      select outcome from provider_calls where payout_id = ${paidBefore} order by id
    `;
    assert.deepEqual(calls.map((c) => c.outcome), ["paid", "duplicate"], "paid at most once");
    const status = await worker.stop("SIGTERM");
    assert.equal(status.code, 0, worker.output());
  } finally {
    await worker?.stop("SIGKILL");
    await t.close();
  }
});

Deno.test("requeue-dead --id requeues only the chosen entries and reports unknown ones", async () => {
  const t = await createTestApp();
  try {
    const chosen = await createPayout(t);
    const other = await createPayout(t);
    await t.producer.flush();
    await t.redis.del(t.names.stream);
    const chosenEntry = await deadLetterFailed(t, chosen, "provider down");
    const otherEntry = await deadLetterFailed(t, other, "provider down");

    const run = await runQueue(
      ["requeue-dead", "--id", chosenEntry, "--id", "1-1"],
      queueEnv(t),
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.stdout.trim().split("\n"), [
      `requeued ${chosenEntry} payout ${chosen}: failed → pending`,
      "skipped 1-1 payout -: no such dead letter",
      "requeued 1 of 2 dead letters",
    ]);
    const statuses = await t.db.sql<{ id: string; status: string }[]>`
      select id, status from payouts where id in (${chosen}, ${other})
    `;
    assert.deepEqual(
      Object.fromEntries(statuses.map((row) => [row.id, row.status])),
      { [chosen]: "pending", [other]: "failed" },
    );
    const dead = await t.redis.xrange(t.names.deadLetter, "-", "+");
    assert.deepEqual(dead.map(([id]) => id), [otherEntry]);
  } finally {
    await t.close();
  }
});

Deno.test("queue with bad usage prints one line and exits 2", async () => {
  for (
    const args of [
      [],
      ["nope"],
      ["status", "extra"],
      ["requeue-dead", "--id"],
      ["requeue-dead", "--id", "not-an-id"],
      ["requeue-dead", "--all"],
    ]
  ) {
    const run = await runQueue(args);
    assert.equal(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
    assert.equal(run.stdout, "");
    assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
  }
});
