/**
 * The worker's batch statements against the real Postgres: the jobs that claim, pay or finish
 * together share one statement each, and every job still gets exactly what it would have got
 * alone — including a bad row, which fails alone.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { cancelOpenPayout } from "../../src/payouts/payout_changes.repository.ts";
import {
  claimPayout,
  claimPayouts,
  finishPayouts,
} from "../../src/payouts/processing.repository.ts";
import { insertPayout } from "../../src/payouts/payouts.repository.ts";
import { recordCalls } from "../../src/connectors/simulated/provider_calls.repository.ts";
import type { Connector } from "../../src/connectors/connector.ts";
import { Router } from "../../src/connectors/routing.ts";
import { SimulatedConnector } from "../../src/connectors/simulated/simulated_connector.ts";
import type { BatchOutcome } from "../../src/runtime/batcher.ts";
import { type JobHooks, PayoutProcessor } from "../../src/worker/payout_processor.ts";
import { type TestDatabase, withTestDatabase } from "../helpers/database.ts";
import { payoutDraft, TEST_ACTOR } from "../helpers/payout_drafts.ts";
import { waitFor } from "../helpers/wait.ts";
import { createEndpoint } from "./webhooks/webhook_fixtures.ts";

const hooks = (): JobHooks => ({
  stopping: new AbortController().signal,
  beforeBackoff() {},
  afterBackoff: async () => {},
});

type Batch = [statement: string, size: number, outcome: BatchOutcome];

/** A processor on the simulated provider that records every shared statement it makes. */
function batchingProcessor(
  db: TestDatabase,
  options: { workerId?: string; leaseMs?: number; provider?: Connector } = {},
) {
  const batches: Batch[] = [];
  const provider = options.provider ?? new SimulatedConnector(db.sql, {
    latencyMs: 0,
    failureRate: 0,
    onBatch: (size, outcome) => batches.push(["ledger", size, outcome]),
  });
  const processor = new PayoutProcessor(db.sql, Router.only(provider), {
    workerId: options.workerId ?? "worker:a",
    leaseMs: options.leaseMs ?? 30_000,
    maxAttempts: 5,
    retryBaseMs: 1,
    retryMaxMs: 2,
    onBatch: (statement, size, outcome) => batches.push([statement, size, outcome]),
  });
  return { processor, batches };
}

async function createPayouts(
  db: TestDatabase,
  n: number,
  options: { status?: "pending" | "needs_approval"; scheduledFor?: Date } = {},
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = crypto.randomUUID();
    const draft = payoutDraft({
      amountMinor: 2500n + BigInt(i),
      currency: "EUR",
      scheduledFor: options.scheduledFor ?? null,
      requiresApproval: options.status === "needs_approval",
    });
    await insertPayout(db.sql, id, draft, options.status ?? "pending", TEST_ACTOR);
    ids.push(id);
  }
  return ids;
}

async function statusOf(db: TestDatabase, id: string): Promise<string> {
  const [row] = await db.sql<{ status: string }[]>`select status from payouts where id = ${id}`;
  return row?.status;
}

async function ledger(db: TestDatabase, id: string): Promise<string[]> {
  const rows = await db.sql<{ outcome: string }[]>`
    select outcome from provider_calls where payout_id = ${id} order by id
  `;
  return rows.map((row) => row.outcome);
}

/** Transactions that wrote these rows: rows written by one statement share its xmin. */
async function writers(sql: postgres.Sql, table: string, column: string, ids: string[]) {
  const [{ n }] = await sql.unsafe<{ n: number }[]>(
    `select count(distinct xmin::text)::int as n from ${table} where ${column} = any($1::uuid[])`,
    [ids],
  );
  return n;
}

/** Makes Postgres refuse one row, as a bad row in a batch would be refused. */
async function refuseRow(db: TestDatabase, table: string, when: string): Promise<void> {
  await db.sql.unsafe(`
    create or replace function refuse_row() returns trigger language plpgsql as $$
    begin raise exception 'refused row'; end $$
  `);
  await db.sql.unsafe(`
    create trigger refuse_row before insert or update on ${table}
    for each row when (${when}) execute function refuse_row()
  `);
}

Deno.test("the jobs of one batch are claimed, paid and finished in one statement each", async () => {
  await withTestDatabase(async (db) => {
    const ids = await createPayouts(db, 10);
    const { processor, batches } = batchingProcessor(db);
    const outcomes = await Promise.all(ids.map((id) => processor.process(id, hooks())));
    assert.deepEqual(outcomes, ids.map(() => ({ result: "completed", attempts: 1 })));
    assert.deepEqual(batches, [["claim", 10, "ok"], ["ledger", 10, "ok"], ["finish", 10, "ok"]]);
    // The database agrees: one transaction wrote every claim event, one every ledger row,
    // and one every payout's final state and event.
    const claimEvents = await db.sql<{ id: string }[]>`
      select id::text from payout_events
      where payout_id = any(${ids}::uuid[]) and to_status = 'processing'
    `;
    assert.equal(claimEvents.length, 10);
    assert.equal(await writers(db.sql, "provider_calls", "payout_id", ids), 1);
    assert.equal(await writers(db.sql, "payouts", "id", ids), 1);
    const [{ n }] = await db.sql<{ n: number }[]>`
      select count(distinct xmin::text)::int as n from payout_events
      where payout_id = any(${ids}::uuid[]) and type = 'status_changed'
      group by to_status order by to_status limit 1
    `;
    assert.equal(n, 1);
    for (const id of ids) assert.deepEqual(await ledger(db, id), ["paid"]);
  });
});

Deno.test("a batch claim takes exactly what row-by-row claims would, with events and webhooks only for rows leaving pending", async () => {
  await withTestDatabase(async (db) => {
    await createEndpoint(db.sql, "https://hooks.example.com/all");
    const [due, pastDue, ownLease, expired, live, done, canceled] = await createPayouts(db, 7);
    const [notDue] = await createPayouts(db, 1, { scheduledFor: new Date(Date.now() + 3_600_000) });
    const [awaiting] = await createPayouts(db, 1, { status: "needs_approval" });
    await db.sql`
      update payouts set scheduled_for = clock_timestamp() - interval '1 minute'
      where id = ${pastDue}
    `;
    assert.ok(await claimPayout(db.sql, ownLease, "worker:a", 60_000));
    assert.ok(await claimPayout(db.sql, expired, "worker:dead", 0));
    assert.ok(await claimPayout(db.sql, live, "worker:b", 60_000));
    assert.ok(await claimPayout(db.sql, done, "worker:b", 60_000));
    await db.sql`update payouts set status = 'completed', lease_owner = null where id = ${done}`;
    assert.ok(await cancelOpenPayout(db.sql, canceled, null, { name: "api:test", apiKeyId: null }));
    const unknown = crypto.randomUUID();

    const claimed = await claimPayouts(
      db.sql,
      [due, pastDue, ownLease, expired, live, done, canceled, notDue, awaiting, unknown],
      "worker:a",
      30_000,
    );
    assert.deepEqual(
      [...claimed.keys()].sort(),
      [due, pastDue, ownLease, expired].sort(),
    );
    assert.equal(claimed.get(due)?.takenOver, false);
    assert.equal(claimed.get(pastDue)?.takenOver, false);
    assert.equal(claimed.get(ownLease)?.takenOver, true);
    assert.equal(claimed.get(expired)?.takenOver, true);
    assert.equal(claimed.get(due)?.payout.status, "processing");
    assert.equal(claimed.get(due)?.payout.attempts, 1);
    assert.equal(claimed.get(ownLease)?.payout.attempts, 2);
    for (
      const [id, status] of [
        [live, "processing"],
        [done, "completed"],
        [canceled, "canceled"],
        [notDue, "pending"],
        [awaiting, "needs_approval"],
      ]
    ) assert.equal(await statusOf(db, id), status, id);
    const [{ owner }] = await db.sql`select lease_owner as owner from payouts where id = ${live}`;
    assert.equal(owner, "worker:b");

    // This claim moved only `due` and `pastDue` out of pending: an event and a
    // payout.processing message each; the takeovers add none to those of their first claims.
    const events = await db.sql<{ payout_id: string }[]>`
      select payout_id from payout_events
      where to_status = 'processing' and actor = 'worker:a' and payout_id <> ${ownLease}
    `;
    assert.deepEqual(events.map((row) => row.payout_id).sort(), [due, pastDue].sort());
    const messages = await db.sql<{ payout_id: string }[]>`
      select payout_id from webhook_messages where event_type = 'payout.processing'
        and payout_id = any(${[due, pastDue, ownLease, expired]}::uuid[])
    `;
    assert.deepEqual(
      messages.map((row) => row.payout_id).sort(),
      [due, pastDue, ownLease, expired].sort(),
    );
  });
});

Deno.test("a batch finish ends each payout as told and leaves out one whose lease was lost", async () => {
  await withTestDatabase(async (db) => {
    await createEndpoint(db.sql, "https://hooks.example.com/all");
    const [paid, rejected, stolen] = await createPayouts(db, 3);
    await claimPayouts(db.sql, [paid, rejected, stolen], "worker:a", 30_000);
    await db.sql`update payouts set lease_owner = 'worker:b' where id = ${stolen}`;
    const finished = await finishPayouts(db.sql, [
      { id: paid, outcome: { status: "completed", detail: { provider_outcome: "paid" } } },
      {
        id: rejected,
        outcome: {
          status: "failed",
          reason: "recipient account rejected",
          detail: { provider_outcome: "permanent_error" },
        },
      },
      { id: stolen, outcome: { status: "completed", detail: { provider_outcome: "paid" } } },
    ], "worker:a");
    assert.deepEqual([...finished].sort(), [paid, rejected].sort());
    const rows = await db.sql<{ id: string; status: string; failure_reason: string | null }[]>`
      select id, status, failure_reason from payouts where id = any(${[
      paid,
      rejected,
      stolen,
    ]}::uuid[])
    `;
    const byId = Object.fromEntries(rows.map((row) => [row.id, row]));
    assert.equal(byId[paid].status, "completed");
    assert.equal(byId[paid].failure_reason, null);
    assert.equal(byId[rejected].status, "failed");
    assert.equal(byId[rejected].failure_reason, "recipient account rejected");
    assert.equal(byId[stolen].status, "processing");
    const events = await db.sql<{ payout_id: string; to_status: string; detail: unknown }[]>`
      select payout_id, to_status, detail from payout_events
      where from_status = 'processing' order by payout_id
    `;
    assert.deepEqual(
      events.map((e) => ({ ...e })).sort((a, b) => a.payout_id.localeCompare(b.payout_id)),
      [
        { payout_id: paid, to_status: "completed", detail: { provider_outcome: "paid" } },
        {
          payout_id: rejected,
          to_status: "failed",
          detail: { provider_outcome: "permanent_error", reason: "recipient account rejected" },
        },
      ].sort((a, b) => a.payout_id.localeCompare(b.payout_id)),
    );
    const messages = await db.sql<{ payout_id: string; event_type: string }[]>`
      select payout_id, event_type from webhook_messages
      where event_type in ('payout.completed', 'payout.failed')
    `;
    assert.deepEqual(
      messages.map((m) => `${m.event_type}:${m.payout_id}`).sort(),
      [`payout.completed:${paid}`, `payout.failed:${rejected}`].sort(),
    );
  });
});

Deno.test("a batch finish finds its rows by id, not by walking the status index's old versions", async () => {
  await withTestDatabase(async (db) => {
    // 2,000 payouts processed before: every one left an index entry under 'processing',
    // dead now, that a lookup by status would have to read (no vacuum has run).
    await db.sql`
      insert into payouts (id, amount, currency, recipient_details)
      select gen_random_uuid(), 1, 'EUR', '{"account": "DE89370400440532013000"}'
      from generate_series(1, 2000)
    `;
    await db.sql`update payouts set status = 'processing', lease_owner = 'worker:old'`;
    await db.sql`update payouts set status = 'completed', lease_owner = null`;
    const ids = await createPayouts(db, 2);
    await claimPayouts(db.sql, ids, "worker:a", 30_000);
    // One session, so its index statistics are flushed before the next query answers.
    const session = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      const entriesRead = async () => {
        await session`select pg_stat_force_next_flush()`;
        const [row] = await session<{ read: string }[]>`
          select idx_tup_read::text as read from pg_stat_user_indexes
          where indexrelname = 'payouts_status_created'
        `;
        return Number(row.read);
      };
      const before = await entriesRead();
      const finished = await finishPayouts(
        session,
        ids.map((id) => ({ id, outcome: { status: "completed", detail: {} } })),
        "worker:a",
      );
      assert.deepEqual([...finished].sort(), [...ids].sort());
      assert.equal(await entriesRead() - before, 0);
    } finally {
      await session.end();
    }
  });
});

Deno.test("the ledger pays a payout id once however often one batch or many ask", async () => {
  await withTestDatabase(async (db) => {
    const [x, y] = [crypto.randomUUID(), crypto.randomUUID()];
    const entry = (payoutId: string) => ({
      payoutId,
      outcome: "paid" as const,
      amount: "12.50",
      currency: "EUR",
    });
    assert.deepEqual(
      await recordCalls(db.sql, [entry(x), entry(x), entry(y), {
        ...entry(y),
        outcome: "transient_error",
      }]),
      ["paid", "duplicate", "paid", "transient_error"],
    );
    assert.deepEqual(await recordCalls(db.sql, [entry(y), entry(x)]), ["duplicate", "duplicate"]);
    assert.deepEqual(await ledger(db, x), ["paid", "duplicate", "duplicate"]);
    assert.deepEqual((await ledger(db, y)).sort(), [
      "duplicate",
      "paid",
      "transient_error",
    ]);
  });
});

Deno.test("two jobs for one payout in the same batch pay it once", async () => {
  await withTestDatabase(async (db) => {
    const [x, y] = await createPayouts(db, 2);
    const { processor } = batchingProcessor(db);
    const outcomes = await Promise.all([x, x, y].map((id) => processor.process(id, hooks())));
    assert.deepEqual(outcomes[2], { result: "completed", attempts: 1 });
    const forX = outcomes.slice(0, 2).map((outcome) => outcome.result).sort();
    assert.ok(forX.includes("completed"), JSON.stringify(forX));
    assert.ok(forX.every((r) => ["completed", "lease_lost", "skipped"].includes(r)));
    assert.equal(await statusOf(db, x), "completed");
    assert.equal((await ledger(db, x)).filter((outcome) => outcome === "paid").length, 1);
    assert.deepEqual(await ledger(db, y), ["paid"]);
  });
});

for (
  const { step, table, when } of [
    { step: "claim", table: "payouts", when: "new.id = '$BAD' and new.status = 'processing'" },
    { step: "ledger", table: "provider_calls", when: "new.payout_id = '$BAD'" },
    { step: "finish", table: "payouts", when: "new.id = '$BAD' and new.status = 'completed'" },
  ]
) {
  Deno.test(`a row the ${step} statement refuses fails alone; the rest of its batch completes`, async () => {
    await withTestDatabase(async (db) => {
      const ids = await createPayouts(db, 5);
      const bad = ids[2];
      await refuseRow(db, table, when.replaceAll("$BAD", bad));
      const { processor, batches } = batchingProcessor(db);
      const results = await Promise.allSettled(ids.map((id) => processor.process(id, hooks())));
      for (const [index, result] of results.entries()) {
        if (ids[index] === bad) {
          assert.equal(result.status, "rejected");
          assert.match(String(result.status === "rejected" && result.reason), /refused row/);
        } else {
          assert.deepEqual(result, {
            status: "fulfilled",
            value: { result: "completed", attempts: 1 },
          });
          assert.deepEqual(await ledger(db, ids[index]), ["paid"]);
        }
      }
      assert.deepEqual(batches.find(([statement]) => statement === step), [step, 5, "fell_back"]);
      // Nothing of the bad row's step took effect, so its job can simply run again.
      const expected = { claim: "pending", ledger: "processing", finish: "processing" }[step];
      assert.equal(await statusOf(db, bad), expected);
      assert.deepEqual(await ledger(db, bad), step === "finish" ? ["paid"] : []);
    });
  });
}

Deno.test("a payout whose lease is lost mid-batch is left to its new holder; the others complete", async () => {
  await withTestDatabase(async (db) => {
    const ids = await createPayouts(db, 3);
    const stolen = ids[1];
    // The provider answers only once the test has let another worker take over.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => open = resolve);
    const inner = new SimulatedConnector(db.sql, { latencyMs: 0, failureRate: 0 });
    const gated: Connector = {
      name: inner.name,
      currencies: inner.currencies,
      recipientTypes: inner.recipientTypes,
      answersLater: inner.answersLater,
      pay: async (request) => {
        await gate;
        return inner.pay(request);
      },
      wasPaid: (id) => inner.wasPaid(id),
    };
    const { processor, batches } = batchingProcessor(db, { leaseMs: 1, provider: gated });
    const running = Promise.all(ids.map((id) => processor.process(id, hooks())));
    await waitFor(async () => {
      const [{ n }] = await db.sql<{ n: number }[]>`
        select count(*)::int as n from payouts
        where id = any(${ids}::uuid[]) and status = 'processing'
          and lease_until < clock_timestamp()
      `;
      return n === 3;
    }, { message: "three claimed payouts with expired leases" });
    assert.ok(await claimPayout(db.sql, stolen, "worker:b", 60_000));
    open();
    const outcomes = await running;
    assert.deepEqual(outcomes, [
      { result: "completed", attempts: 1 },
      { result: "lease_lost" },
      { result: "completed", attempts: 1 },
    ]);
    assert.deepEqual(batches, [["claim", 3, "ok"], ["finish", 3, "ok"]]);
    assert.equal(await statusOf(db, stolen), "processing");
    // The new holder finishes it; the provider already paid it once and does not again.
    const b = batchingProcessor(db, { workerId: "worker:b" }).processor;
    assert.deepEqual(await b.process(stolen, hooks()), { result: "completed", attempts: 3 });
    assert.deepEqual(await ledger(db, stolen), ["paid", "duplicate"]);
  });
});
