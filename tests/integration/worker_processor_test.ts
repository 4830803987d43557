import assert from "node:assert/strict";
import { claimPayout } from "../../src/payouts/processing.repository.ts";
import { cancelOpenPayout } from "../../src/payouts/payout_changes.repository.ts";
import { Router } from "../../src/connectors/routing.ts";
import { SimulatedConnector } from "../../src/connectors/simulated/simulated_connector.ts";
import { type JobHooks, PayoutProcessor } from "../../src/worker/payout_processor.ts";
import { type TestDatabase, withTestDatabase } from "../helpers/database.ts";
import { insertPendingPayout } from "../helpers/payout_drafts.ts";

const hooks = (stopping = new AbortController().signal): JobHooks => ({
  stopping,
  beforeBackoff() {},
  afterBackoff: async () => {},
});

function processor(
  db: TestDatabase,
  workerId = "worker:a",
  options: { failureRate?: number; latencyMs?: number; maxAttempts?: number } = {},
): PayoutProcessor {
  const provider = new SimulatedConnector(db.sql, {
    latencyMs: options.latencyMs ?? 0,
    failureRate: options.failureRate ?? 0,
  });
  return new PayoutProcessor(db.sql, Router.only(provider), {
    workerId,
    leaseMs: 30_000,
    maxAttempts: options.maxAttempts ?? 5,
    retryBaseMs: 1,
    retryMaxMs: 2,
  });
}

const createPayout = (db: TestDatabase, account?: string) => insertPendingPayout(db.sql, account);

async function payoutRow(db: TestDatabase, id: string) {
  const [row] = await db.sql<{ status: string; failure_reason: string | null; attempts: number }[]>`
    select status, failure_reason, attempts from payouts where id = ${id}
  `;
  return { ...row };
}

async function providerCalls(db: TestDatabase, id: string): Promise<string[]> {
  const rows = await db.sql<{ outcome: string }[]>`
    select outcome from provider_calls where payout_id = ${id} order by id
  `;
  return rows.map((row) => row.outcome);
}

async function events(db: TestDatabase, id: string) {
  const rows = await db.sql<{ type: string; from_status: string | null; to_status: string }[]>`
    select type, from_status, to_status from payout_events where payout_id = ${id} order by id
  `;
  return rows.map((row) => `${row.type}:${row.from_status ?? "-"}>${row.to_status}`);
}

Deno.test("a pending payout is completed and paid exactly once", async () => {
  await withTestDatabase(async (db) => {
    const id = await createPayout(db);
    assert.deepEqual(await processor(db).process(id, hooks()), {
      result: "completed",
      attempts: 1,
    });
    assert.deepEqual(await payoutRow(db, id), {
      status: "completed",
      failure_reason: null,
      attempts: 1,
    });
    assert.deepEqual(await events(db, id), [
      "created:->pending",
      "status_changed:pending>processing",
      "status_changed:processing>completed",
    ]);
    assert.deepEqual(await providerCalls(db, id), ["paid"]);
    const [paid] = await db.sql`
      select amount::text, currency from provider_calls where payout_id = ${id}
    `;
    assert.deepEqual({ ...paid }, { amount: "125.5000", currency: "USD" });
  });
});

Deno.test("a duplicate job for a finished payout is skipped and pays nothing more", async () => {
  await withTestDatabase(async (db) => {
    const id = await createPayout(db);
    const worker = processor(db);
    assert.equal((await worker.process(id, hooks())).result, "completed");
    assert.deepEqual(await worker.process(id, hooks()), { result: "skipped" });
    assert.deepEqual(await processor(db, "worker:b").process(id, hooks()), { result: "skipped" });
    assert.deepEqual(await providerCalls(db, id), ["paid"]);
    assert.equal((await events(db, id)).length, 3);
  });
});

Deno.test("a canceled payout is skipped and never reaches the provider", async () => {
  await withTestDatabase(async (db) => {
    const id = await createPayout(db);
    assert.ok(await cancelOpenPayout(db.sql, id, null, { name: "api:test", apiKeyId: null }));
    assert.deepEqual(await processor(db).process(id, hooks()), { result: "skipped" });
    assert.equal((await payoutRow(db, id)).status, "canceled");
    assert.deepEqual(await providerCalls(db, id), []);
  });
});

Deno.test("an unknown payout id is skipped", async () => {
  await withTestDatabase(async (db) => {
    const id = crypto.randomUUID();
    assert.deepEqual(await processor(db).process(id, hooks()), { result: "skipped" });
    assert.deepEqual(await providerCalls(db, id), []);
  });
});

Deno.test("a FAIL account fails permanently with a failure_reason", async () => {
  await withTestDatabase(async (db) => {
    const id = await createPayout(db, "FAIL-0001");
    const outcome = await processor(db).process(id, hooks());
    assert.equal(outcome.result, "failed");
    const row = await payoutRow(db, id);
    assert.equal(row.status, "failed");
    assert.ok(row.failure_reason && row.failure_reason.length > 0);
    assert.equal(outcome.result === "failed" && outcome.reason, row.failure_reason);
    assert.deepEqual(await providerCalls(db, id), ["permanent_error"]);
    assert.deepEqual(await events(db, id), [
      "created:->pending",
      "status_changed:pending>processing",
      "status_changed:processing>failed",
    ]);
  });
});

Deno.test("a FLAKY account completes on the second attempt after an attempt_failed event", async () => {
  await withTestDatabase(async (db) => {
    const id = await createPayout(db, "FLAKY-0001");
    let backoffs = 0;
    const outcome = await processor(db).process(id, {
      ...hooks(),
      beforeBackoff: () => backoffs++,
    });
    assert.deepEqual(outcome, { result: "completed", attempts: 2 });
    assert.equal(backoffs, 1);
    assert.deepEqual(await payoutRow(db, id), {
      status: "completed",
      failure_reason: null,
      attempts: 2,
    });
    assert.deepEqual(await events(db, id), [
      "created:->pending",
      "status_changed:pending>processing",
      "attempt_failed:processing>processing",
      "status_changed:processing>completed",
    ]);
    assert.deepEqual(await providerCalls(db, id), ["transient_error", "paid"]);
  });
});

Deno.test("transient failures past maxAttempts fail the payout, unpaid", async () => {
  await withTestDatabase(async (db) => {
    const id = await createPayout(db);
    const outcome = await processor(db, "worker:a", { failureRate: 1, maxAttempts: 3 })
      .process(id, hooks());
    assert.equal(outcome.result, "failed");
    const row = await payoutRow(db, id);
    assert.equal(row.status, "failed");
    assert.equal(row.attempts, 3);
    assert.match(row.failure_reason ?? "", /after 3 attempts/);
    assert.deepEqual(await providerCalls(db, id), [
      "transient_error",
      "transient_error",
      "transient_error",
    ]);
  });
});

Deno.test("a shutdown during a backoff abandons the job and frees the payout at once", async () => {
  await withTestDatabase(async (db) => {
    const id = await createPayout(db, "FLAKY-0002");
    const stopping = new AbortController();
    const outcome = await processor(db).process(id, {
      ...hooks(stopping.signal),
      beforeBackoff: () => stopping.abort(),
    });
    assert.deepEqual(outcome, { result: "abandoned" });
    assert.equal((await payoutRow(db, id)).status, "processing");
    // The lease was released, so another worker need not wait for it to run out.
    assert.deepEqual(await processor(db, "worker:b").process(id, hooks()), {
      result: "completed",
      attempts: 2,
    });
    assert.deepEqual(await providerCalls(db, id), ["transient_error", "paid"]);
  });
});

Deno.test("two workers processing the same payouts at once pay each exactly once", async () => {
  await withTestDatabase(async (db) => {
    const ids = await Promise.all(Array.from({ length: 20 }, () => createPayout(db)));
    const a = processor(db, "worker:a", { latencyMs: 2 });
    const b = processor(db, "worker:b", { latencyMs: 2 });
    const outcomes = await Promise.all(
      ids.map((id) => Promise.all([a.process(id, hooks()), b.process(id, hooks())])),
    );
    for (const [index, id] of ids.entries()) {
      const results = outcomes[index].map((outcome) => outcome.result).sort();
      assert.deepEqual(results, ["completed", "skipped"], id);
      assert.deepEqual(await providerCalls(db, id), ["paid"], id);
      assert.equal((await payoutRow(db, id)).status, "completed");
    }
    const [{ paid }] = await db.sql`
      select count(*)::int as paid from provider_calls where outcome = 'paid'
    `;
    assert.equal(paid, 20);
  });
});

Deno.test("giveUp fails a pending payout that was never paid", async () => {
  await withTestDatabase(async (db) => {
    const id = await createPayout(db);
    assert.equal(await processor(db).giveUp(id, "job delivered 11 times"), "failed");
    assert.deepEqual(await payoutRow(db, id), {
      status: "failed",
      failure_reason: "job delivered 11 times",
      attempts: 0,
    });
    assert.deepEqual((await events(db, id)).at(-1), "status_changed:pending>failed");
    assert.deepEqual(await providerCalls(db, id), []);
  });
});

Deno.test("giveUp completes a payout the provider already paid, instead of failing it", async () => {
  await withTestDatabase(async (db) => {
    // A worker paid, then died before recording it: its lease has run out.
    const id = await createPayout(db);
    assert.ok(await claimPayout(db.sql, id, "worker:dead", 0));
    await db.sql`
      insert into provider_calls (payout_id, outcome, amount, currency)
      values (${id}, 'paid', 125.50, 'USD')
    `;
    assert.equal(await processor(db).giveUp(id, "job delivered 11 times"), "completed");
    assert.deepEqual(await payoutRow(db, id), {
      status: "completed",
      failure_reason: null,
      attempts: 2,
    });
    assert.deepEqual(await providerCalls(db, id), ["paid"]);

    const pending = await createPayout(db);
    await db.sql`
      insert into provider_calls (payout_id, outcome, amount, currency)
      values (${pending}, 'paid', 125.50, 'USD')
    `;
    assert.equal(await processor(db).giveUp(pending, "malformed"), "completed");
    assert.equal((await payoutRow(db, pending)).status, "completed");
  });
});

Deno.test("giveUp leaves a payout alone while another worker holds a live lease", async () => {
  await withTestDatabase(async (db) => {
    const id = await createPayout(db);
    assert.ok(await claimPayout(db.sql, id, "worker:alive", 60_000));
    assert.equal(await processor(db).giveUp(id, "job delivered 11 times"), "unchanged");
    assert.equal((await payoutRow(db, id)).status, "processing");
  });
});
