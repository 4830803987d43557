/**
 * Routing and failover in the processor against the real Postgres: a payout moves to the next
 * connector only when one refused (nothing sent); transient errors stay on the same connector;
 * the connector is recorded before the call whenever there is a choice, and a payout taken
 * over keeps it; a payout submitted to a connector that answers later is never claimed again.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import type { Connector, ConnectorResult, PaymentOrder } from "../../src/connectors/connector.ts";
import { DEFAULT_RULES, Router, type RoutingRule } from "../../src/connectors/routing.ts";
import { SepaFileConnector } from "../../src/connectors/sepa_file/sepa_file_connector.ts";
import { SimulatedConnector } from "../../src/connectors/simulated/simulated_connector.ts";
import { claimPayout } from "../../src/payouts/processing.repository.ts";
import { claimLostPayouts } from "../../src/queue/reconcile.repository.ts";
import { type JobHooks, PayoutProcessor } from "../../src/worker/payout_processor.ts";
import { type TestDatabase, withTestDatabase } from "../helpers/database.ts";
import { insertPendingPayout } from "../helpers/payout_drafts.ts";
import { DEBTOR, randomIban } from "../helpers/sepa_fixtures.ts";
import { insertSepaPayout } from "../helpers/sepa_payouts.ts";
import { waitFor } from "../helpers/wait.ts";

const hooks = (): JobHooks => ({
  stopping: new AbortController().signal,
  beforeBackoff() {},
  afterBackoff: async () => {},
});

/** A Brazilian IBAN: valid, outside SEPA. */
const NON_SEPA_IBAN = "BR1500000000000010932840814P2";

/** A connector that answers from `answer`, counting its calls. */
function scripted(
  name: string,
  answer: (order: PaymentOrder, call: number) => Promise<ConnectorResult> | ConnectorResult,
  capabilities: Partial<Connector> = {},
): Connector & { calls: number } {
  const connector: Connector & { calls: number } = {
    name,
    currencies: "*" as const,
    recipientTypes: ["test", "sepa"] as const,
    answersLater: false,
    calls: 0,
    pay: async (order: PaymentOrder): Promise<ConnectorResult> =>
      await answer(order, ++connector.calls),
    wasPaid: () => Promise.resolve(false),
    ...capabilities,
  };
  return connector;
}

function processor(
  db: TestDatabase,
  rules: RoutingRule[],
  connectors: Connector[],
  options: { workerId?: string; leaseMs?: number; maxAttempts?: number } = {},
) {
  return new PayoutProcessor(db.sql, new Router(rules, connectors), {
    workerId: options.workerId ?? "worker:a",
    leaseMs: options.leaseMs ?? 30_000,
    maxAttempts: options.maxAttempts ?? 3,
    retryBaseMs: 1,
    retryMaxMs: 2,
  });
}

const simulated = (db: TestDatabase) =>
  new SimulatedConnector(db.sql, { latencyMs: 0, failureRate: 0 });
const sepaFile = (db: TestDatabase) => new SepaFileConnector(db.sql, { debtor: DEBTOR });

const createTestPayout = (db: TestDatabase, account?: string) =>
  insertPendingPayout(db.sql, account);

async function payoutRow(db: TestDatabase, id: string) {
  const [row] = await db.sql<{
    status: string;
    connector: string | null;
    failure_reason: string | null;
    submitted_at: Date | null;
    lease_owner: string | null;
  }[]>`
    select status, connector, failure_reason, submitted_at, lease_owner from payouts
    where id = ${id}
  `;
  return row;
}

async function events(db: TestDatabase, id: string) {
  const rows = await db.sql<{ type: string; to_status: string; detail: Record<string, unknown> }[]>`
    select type, to_status, detail from payout_events where payout_id = ${id} order by id
  `;
  return rows.map((row) => ({ type: row.type, to: row.to_status, detail: row.detail }));
}

async function providerCalls(db: TestDatabase, id: string): Promise<string[]> {
  const rows = await db.sql<{ outcome: string }[]>`
    select outcome from provider_calls where payout_id = ${id} order by id
  `;
  return rows.map((row) => row.outcome);
}

const EUR_SEPA_FAILOVER: RoutingRule[] = [
  { currencies: ["EUR"], recipientType: "sepa", connectors: ["sepa_file", "simulated"] },
  { connectors: ["simulated"] },
];

Deno.test("a payout sepa_file refuses is paid once by the next connector, and its events show both", async () => {
  await withTestDatabase(async (db) => {
    const id = await insertSepaPayout(db.sql, { iban: NON_SEPA_IBAN });
    const result = await processor(db, EUR_SEPA_FAILOVER, [simulated(db), sepaFile(db)])
      .process(id, hooks());
    assert.deepEqual(result, { result: "completed", attempts: 1 });
    const row = await payoutRow(db, id);
    assert.equal(row.status, "completed");
    assert.equal(row.connector, "simulated");
    assert.deepEqual(await providerCalls(db, id), ["paid"]);
    const [{ n }] = await db.sql<{ n: number }[]>`select count(*)::int as n from sepa_payments`;
    assert.equal(n, 0, "sepa_file recorded nothing");
    assert.deepEqual((await events(db, id)).slice(1), [
      { type: "status_changed", to: "processing", detail: {} },
      {
        type: "connector_refused",
        to: "processing",
        detail: {
          connector: "sepa_file",
          reason: "the recipient's IBAN is of BR, which is not in SEPA",
          next_connector: "simulated",
        },
      },
      {
        type: "status_changed",
        to: "completed",
        detail: { provider_outcome: "paid", connector: "simulated" },
      },
    ]);
  });
});

Deno.test("with a choice of connectors the one called is recorded before the call", async () => {
  await withTestDatabase(async (db) => {
    const id = await createTestPayout(db);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => release = resolve);
    let entered = false;
    const slow = scripted("slow", async () => {
      entered = true;
      await gate;
      return { outcome: "paid" };
    });
    const running = processor(db, [{ connectors: ["slow", "simulated"] }], [slow, simulated(db)])
      .process(id, hooks());
    await waitFor(() => entered, { message: "the slow connector to be called" });
    assert.equal((await payoutRow(db, id)).connector, "slow", "recorded while the call runs");
    release();
    assert.deepEqual(await running, { result: "completed", attempts: 1 });
    assert.equal((await payoutRow(db, id)).connector, "slow");
  });
});

Deno.test("with one candidate the connector is recorded by the finish, with no statement before the call", async () => {
  await withTestDatabase(async (db) => {
    const id = await createTestPayout(db);
    let during: string | null | undefined;
    const inner = simulated(db);
    const watched = scripted("simulated", async (order) => {
      during = (await payoutRow(db, id)).connector;
      return inner.pay(order);
    });
    assert.deepEqual(
      await processor(db, [{ connectors: ["simulated"] }], [watched]).process(id, hooks()),
      { result: "completed", attempts: 1 },
    );
    assert.equal(during, null, "no statement before the call");
    assert.equal((await payoutRow(db, id)).connector, "simulated");
  });
});

Deno.test("transient errors retry the same connector and never fail over", async () => {
  await withTestDatabase(async (db) => {
    const flaky = scripted(
      "flaky",
      (_order, call) =>
        call === 1 ? { outcome: "transient_error", reason: "bank timeout" } : { outcome: "paid" },
    );
    const sim = simulated(db);
    const rules = [{ connectors: ["flaky", "simulated"] }];
    const id = await createTestPayout(db);
    assert.deepEqual(await processor(db, rules, [flaky, sim]).process(id, hooks()), {
      result: "completed",
      attempts: 2,
    });
    assert.equal(flaky.calls, 2);
    assert.deepEqual(await providerCalls(db, id), [], "simulated never called");
    const failed = (await events(db, id)).find((event) => event.type === "attempt_failed");
    assert.equal(failed?.detail.connector, "flaky");

    // Always transient: the payout fails after its attempts, never reaching the next one.
    const down = scripted("down", () => ({ outcome: "transient_error", reason: "bank down" }));
    const other = await createTestPayout(db);
    const outcome = await processor(db, [{ connectors: ["down", "simulated"] }], [down, sim])
      .process(other, hooks());
    assert.deepEqual(outcome, {
      result: "failed",
      reason: "bank down (gave up after 3 attempts)",
      attempts: 3,
    });
    assert.equal(down.calls, 3);
    assert.deepEqual(await providerCalls(db, other), []);
    assert.equal((await payoutRow(db, other)).connector, "down");
  });
});

Deno.test("a payout taken over keeps its recorded connector whatever the rules say now", async () => {
  await withTestDatabase(async (db) => {
    const id = await createTestPayout(db);
    // Worker A records `bank` and calls it; the call never answers (a hung connection).
    const hung = scripted("bank", () => new Promise<never>(() => {}));
    void processor(db, [{ connectors: ["bank", "simulated"] }], [hung, simulated(db)], {
      leaseMs: 200,
    }).process(id, hooks());
    await waitFor(() => hung.calls === 1, { message: "worker A to call the bank" });
    assert.equal((await payoutRow(db, id)).connector, "bank");

    // Worker B, whose rules now put simulated first, takes over once the lease ran out and
    // goes to the bank again with the same idempotency key: never to simulated.
    const bank = scripted("bank", () => ({ outcome: "duplicate" }));
    const sim = simulated(db);
    const b = processor(db, [{ connectors: ["simulated", "bank"] }], [sim, bank], {
      workerId: "worker:b",
    });
    let outcome;
    await waitFor(async () => {
      outcome = await b.process(id, hooks());
      return outcome.result !== "skipped";
    }, { message: "worker B to take the payout over" });
    assert.deepEqual(outcome, { result: "completed", attempts: 2 });
    assert.equal(bank.calls, 1);
    assert.deepEqual(await providerCalls(db, id), []);
    const row = await payoutRow(db, id);
    assert.equal(row.connector, "bank");
    assert.equal(row.status, "completed");

    // A worker without the recorded connector neither pays nor fails the payout: it throws,
    // and the job is retried until a worker has that connector.
    const other = await createTestPayout(db);
    await db.sql`update payouts set connector = 'bank' where id = ${other}`;
    await assert.rejects(
      processor(db, [{ connectors: ["simulated"] }], [sim], { workerId: "worker:c" })
        .process(other, hooks()),
      /was sent through connector bank, which this worker does not have/,
    );
    assert.deepEqual(await providerCalls(db, other), []);
    // Nor when its job is given up on: only that connector could say whether it paid.
    const c = processor(db, [{ connectors: ["simulated"] }], [sim], {
      workerId: "worker:c",
      leaseMs: 1,
    });
    assert.equal(await c.giveUp(other, "delivered too often"), "unchanged");
    assert.equal((await payoutRow(db, other)).status, "processing");
  });
});

Deno.test("a payout taken over with no connector recorded goes back to the one that had it", async () => {
  await withTestDatabase(async (db) => {
    // Paid by simulated under the old rules; the worker died before its finish.
    const id = await createTestPayout(db);
    const sim = simulated(db);
    assert.ok(await claimPayout(db.sql, id, "worker:a", 1));
    await sim.pay({
      payoutId: id,
      amountMinor: 12_550n,
      amount: "125.50",
      currency: "USD",
      recipientType: "test",
      recipient: { account: "DE89370400440532013000" },
      description: "",
    });
    const other = scripted("other", () => ({ outcome: "paid" }));
    const b = processor(db, [{ connectors: ["other"] }], [other, sim], { workerId: "worker:b" });
    await waitFor(async () => (await b.process(id, hooks())).result === "completed", {
      message: "worker B to complete it",
    });
    assert.equal(other.calls, 0, "the new rules' connector is never asked");
    assert.deepEqual(await providerCalls(db, id), ["paid", "duplicate"]);
    assert.equal((await payoutRow(db, id)).connector, "simulated");
  });
});

Deno.test("refused by every candidate, or by none able to pay it, the payout fails with why", async () => {
  await withTestDatabase(async (db) => {
    const nope = scripted("nope", () => ({ outcome: "refused", reason: "not today" }));
    const sim = simulated(db);
    const id = await createTestPayout(db, "REFUSE-42");
    const outcome = await processor(db, [{ connectors: ["nope", "simulated"] }], [nope, sim])
      .process(id, hooks());
    const reason = "refused by every connector of its route: nope: not today; simulated: " +
      "recipient account refused by the simulated provider";
    assert.deepEqual(outcome, { result: "failed", reason, attempts: 1 });
    assert.deepEqual(await providerCalls(db, id), ["refused"]);
    assert.equal((await payoutRow(db, id)).failure_reason, reason);

    const single = await createTestPayout(db, "REFUSE-43");
    assert.deepEqual(
      await processor(db, [{ connectors: ["simulated"] }], [sim]).process(single, hooks()),
      {
        result: "failed",
        reason: "refused by simulated: recipient account refused by the simulated provider",
        attempts: 1,
      },
    );

    const usd = await createTestPayout(db);
    assert.deepEqual(
      await processor(db, [{ currencies: ["EUR"], connectors: ["simulated"] }], [sim])
        .process(usd, hooks()),
      {
        result: "failed",
        reason: "no connector can pay USD 125.50 to a test recipient",
        attempts: 1,
      },
    );
    const sepaEur = await insertSepaPayout(db.sql, { iban: randomIban() });
    assert.deepEqual(
      await processor(db, [{ recipientType: "test", connectors: ["simulated"] }], [sim])
        .process(sepaEur, hooks()),
      {
        result: "failed",
        reason: "no connector can pay EUR 125.50 to a sepa recipient",
        attempts: 1,
      },
    );
    assert.deepEqual(await providerCalls(db, usd), []);
  });
});

Deno.test("a submitted payout is never claimed again: duplicate job, takeover, reconciler, give-up", async () => {
  await withTestDatabase(async (db) => {
    const id = await insertSepaPayout(db.sql, { iban: randomIban(), description: "Refund 7" });
    const connectors = [simulated(db), sepaFile(db)];
    const a = processor(db, EUR_SEPA_FAILOVER, connectors, { leaseMs: 1 });
    assert.deepEqual(await a.process(id, hooks()), { result: "submitted", attempts: 1 });
    const row = await payoutRow(db, id);
    assert.equal(row.status, "processing");
    assert.equal(row.connector, "sepa_file");
    assert.ok(row.submitted_at instanceof Date);
    assert.equal(row.lease_owner, null);
    assert.deepEqual((await events(db, id)).at(-1), {
      type: "submitted",
      to: "processing",
      detail: { connector: "sepa_file" },
    });
    const payments = await db.sql`
      select end_to_end_id, amount::text, remittance_info, file_id from sepa_payments
    `;
    assert.deepEqual([...payments], [{
      end_to_end_id: id.replaceAll("-", ""),
      amount: "125.50",
      remittance_info: "Refund 7",
      file_id: null,
    }]);

    assert.deepEqual(await a.process(id, hooks()), { result: "skipped" });
    const b = processor(db, EUR_SEPA_FAILOVER, connectors, { workerId: "worker:b" });
    assert.deepEqual(await b.process(id, hooks()), { result: "skipped" });
    assert.equal(await claimPayout(db.sql, id, "worker:c", 1000), undefined);
    assert.deepEqual(await claimLostPayouts(db.sql, new Date(Date.now() + 3_600_000), 100), []);
    assert.equal(await b.giveUp(id, "delivered too often"), "unchanged");
    assert.equal((await payoutRow(db, id)).status, "processing");
    const [{ n }] = await db.sql<{ n: number }[]>`select count(*)::int as n from sepa_payments`;
    assert.equal(n, 1);
  });
});

Deno.test("giving up on a payout sepa_file accepted before its worker died marks it submitted", async () => {
  await withTestDatabase(async (db) => {
    const id = await insertSepaPayout(db.sql, { iban: randomIban() });
    const connector = sepaFile(db);
    assert.ok(await claimPayout(db.sql, id, "worker:a", 1));
    const [order] = await db.sql<{ recipient_details: Record<string, string> }[]>`
      select recipient_details from payouts where id = ${id}
    `;
    assert.deepEqual(
      await connector.pay({
        payoutId: id,
        amountMinor: 12_550n,
        amount: "125.50",
        currency: "EUR",
        recipientType: "sepa",
        recipient: order.recipient_details,
        description: "",
      }),
      { outcome: "submitted" },
    );
    const b = processor(db, EUR_SEPA_FAILOVER, [simulated(db), connector], {
      workerId: "worker:b",
    });
    await waitFor(async () => (await b.giveUp(id, "delivered too often")) === "submitted", {
      message: "the give-up to mark it submitted",
    });
    const row = await payoutRow(db, id);
    assert.equal(row.status, "processing");
    assert.ok(row.submitted_at instanceof Date);
    assert.equal(row.connector, "sepa_file");
  });
});

Deno.test("the default route costs what it did: one claim, one ledger and one finish statement per batch", async () => {
  await withTestDatabase(async (db) => {
    const ids = await Promise.all(Array.from({ length: 10 }, () => createTestPayout(db)));
    const statements: string[] = [];
    const sql = postgres(db.url, {
      max: 4,
      onnotice: () => {},
      debug: (_connection, query) =>
        statements.push(query.trim().split(/\s+/).slice(0, 3).join(" ")),
    });
    try {
      const router = new Router(DEFAULT_RULES, [
        new SimulatedConnector(sql, { latencyMs: 0, failureRate: 0 }),
      ]);
      const processor = new PayoutProcessor(sql, router, {
        workerId: "worker:a",
        leaseMs: 30_000,
        maxAttempts: 3,
        retryBaseMs: 1,
        retryMaxMs: 2,
      });
      const outcomes = await Promise.all(ids.map((id) => processor.process(id, hooks())));
      assert.deepEqual(outcomes, ids.map(() => ({ result: "completed", attempts: 1 })));
      assert.equal(statements.length, 3, statements.join("\n"));
    } finally {
      await sql.end();
    }
    for (const id of ids) assert.equal((await payoutRow(db, id)).connector, "simulated");
  });
});
