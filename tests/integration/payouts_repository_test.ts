import assert from "node:assert/strict";
import { claimPayout } from "../../src/payouts/processing.repository.ts";
import { cancelOpenPayout, updateOpenPayout } from "../../src/payouts/payout_changes.repository.ts";
import {
  type Actor,
  findPayout,
  insertPayout,
  insertPayouts,
  listPayouts,
} from "../../src/payouts/payouts.repository.ts";
import { insertSeedPayouts } from "../../scripts/seed/seed.repository.ts";
import { type TestDatabase, withTestDatabase } from "../helpers/database.ts";
import { payoutDraft } from "../helpers/payout_drafts.ts";

const actor: Actor = { name: "api:test", apiKeyId: null };

const draft = payoutDraft;

/** A pending payout at `version`, to stay pending. */
const at = (id: string, version: number) => ({
  id,
  version,
  from: "pending" as const,
  to: "pending" as const,
});

async function count(db: TestDatabase, table: string, payoutId: string): Promise<number> {
  const [row] = await db.sql<{ n: number }[]>`
    select count(*)::int as n from ${db.sql(table)} where payout_id = ${payoutId}
  `;
  return row.n;
}

Deno.test("insertPayout writes the payout, its created event and its outbox row", async () => {
  await withTestDatabase(async (db) => {
    const id = crypto.randomUUID();
    const { payout, outboxId } = await insertPayout(
      db.sql,
      id,
      draft({ description: "Invoice 7" }),
      "pending",
      actor,
    );
    assert.equal(payout.id, id);
    assert.equal(payout.status, "pending");
    assert.equal(payout.amountMinor, 12550n);
    assert.equal(payout.version, 1);

    const events = await db.sql`
      select type, from_status, to_status, actor, detail from payout_events where payout_id = ${id}
    `;
    assert.deepEqual([...events], [{
      type: "created",
      from_status: null,
      to_status: "pending",
      actor: "api:test",
      detail: { amount: "125.50", currency: "USD" },
    }]);
    const outbox = await db.sql`select id::text, payout_id from payout_outbox`;
    assert.deepEqual([...outbox], [{ id: outboxId, payout_id: id }]);
  });
});

Deno.test("a created payout, as the create answers it, is the payout a read returns (every field, every kind of create)", async () => {
  await withTestDatabase(async (db) => {
    const keyed: Actor = { name: "api:keyed", apiKeyId: crypto.randomUUID() };
    const creates = [
      { id: crypto.randomUUID(), draft: draft(), status: "pending" as const, actor },
      {
        id: crypto.randomUUID(),
        draft: draft({
          currency: "JPY",
          amountMinor: 5000n,
          recipientDetails: { name: "Z", account: "DE89370400440532013000", bank: "Zürich" },
          description: "scheduled, asked for approval",
          scheduledFor: new Date(Date.now() + 86_400_000),
          requiresApproval: true,
        }),
        status: "needs_approval" as const,
        actor: keyed,
      },
    ];
    const answered = [
      ...await insertPayouts(db.sql, creates),
      await insertPayout(db.sql, crypto.randomUUID(), draft(), "pending", keyed),
    ];
    for (const { payout } of answered) {
      assert.deepEqual(payout, await findPayout(db.sql, payout.id));
    }
  });
});

Deno.test("a payout is never deleted: the database refuses it, so its trail and outbox rows always name one", async () => {
  await withTestDatabase(async (db) => {
    const { payout } = await insertPayout(db.sql, crypto.randomUUID(), draft(), "pending", actor);
    await assert.rejects(
      () => db.sql`delete from payouts where id = ${payout.id}`,
      (error: Error & { code?: string }) => error.code === "23001",
    );
    assert.equal(await count(db, "payout_events", payout.id), 1);
    assert.ok(await findPayout(db.sql, payout.id));
  });
});

Deno.test("a new payout's updated_at is its created_at, to the microsecond, whichever insert wrote it; a batch's rise in order", async () => {
  await withTestDatabase(async (db) => {
    // Two reads of the clock for one row differ by a microsecond for a few rows in a hundred.
    const ids: string[] = Array.from({ length: 100 }, () => crypto.randomUUID());
    for (const id of ids.slice(0, 40)) await insertPayout(db.sql, id, draft(), "pending", actor);
    const batch = ids.slice(40, 80);
    await insertPayouts(
      db.sql,
      batch.map((id) => ({ id, draft: draft(), status: "pending" as const, actor })),
    );
    await insertSeedPayouts(
      db.sql,
      ids.slice(80).map((id) => ({
        id,
        amount: "1.00",
        currency: "USD",
        recipientDetails: { account: "DE89370400440532013000" },
        description: "",
      })),
      "seed",
    );
    const rows = await db.sql<{ id: string; same: boolean; micros: string }[]>`
      select id, updated_at = created_at as same,
        (extract(epoch from created_at) * 1000000)::bigint::text as micros
      from payouts
    `;
    assert.equal(rows.length, ids.length);
    assert.deepEqual(rows.filter((row) => !row.same), []);
    const micros = new Map(rows.map((row) => [row.id, BigInt(row.micros)]));
    for (let i = 1; i < batch.length; i++) {
      assert.ok(
        micros.get(batch[i - 1])! < micros.get(batch[i])!,
        `a batch's created_at rises in the order given (${i})`,
      );
    }
  });
});

Deno.test("insertPayout writes nothing at all when the payout row is rejected", async () => {
  await withTestDatabase(async (db) => {
    const id = crypto.randomUUID();
    await insertPayout(db.sql, id, draft(), "pending", actor);
    // Same id again: the payout insert fails, and so must its event and outbox row.
    await assert.rejects(
      insertPayout(db.sql, id, draft({ amountMinor: 1n }), "pending", actor),
      /duplicate/,
    );
    // Over the database's upper bound: rejected by the check constraint.
    const other = crypto.randomUUID();
    await assert.rejects(
      insertPayout(db.sql, other, draft({ amountMinor: 100_000_000_001n }), "pending", actor),
      /check constraint/,
    );
    assert.equal(await count(db, "payout_events", id), 1);
    assert.equal(await count(db, "payout_outbox", id), 1);
    assert.equal(await count(db, "payout_events", other), 0);
    assert.equal(await count(db, "payout_outbox", other), 0);
    const [{ n }] = await db.sql`select count(*)::int as n from payouts`;
    assert.equal(n, 1);
  });
});

Deno.test("findPayout returns a pending payout and hides a canceled one", async () => {
  await withTestDatabase(async (db) => {
    const id = crypto.randomUUID();
    await insertPayout(db.sql, id, draft(), "pending", actor);
    assert.equal((await findPayout(db.sql, id))?.id, id);
    assert.equal(await cancelOpenPayout(db.sql, id, null, actor), true);
    assert.equal(await findPayout(db.sql, id), undefined);
    assert.equal(await findPayout(db.sql, crypto.randomUUID()), undefined);
    // The row stays for audit.
    const [row] = await db.sql`select status from payouts where id = ${id}`;
    assert.equal(row.status, "canceled");
  });
});

Deno.test("listPayouts pages newest first, breaking created_at ties by id", async () => {
  await withTestDatabase(async (db) => {
    // Eight payouts created in the same microsecond, two older and one canceled.
    const same = Array.from({ length: 8 }, () => crypto.randomUUID());
    const older = [crypto.randomUUID(), crypto.randomUUID()];
    const canceled = crypto.randomUUID();
    const insert = (id: string, at: string, status = "pending") =>
      db.sql`
        insert into payouts (id, amount, currency, recipient_details, status, created_at)
        values (${id}, 10, 'EUR', '{"account": "x"}', ${status}, ${at}::timestamptz)
      `;
    for (const id of same) await insert(id, "2030-01-01T00:00:00.123456Z");
    await insert(older[0], "2029-12-31T23:59:59.999999Z");
    await insert(older[1], "2020-05-05T00:00:00Z");
    await insert(canceled, "2030-01-01T00:00:00.123456Z", "canceled");

    const expected = [...same.sort().reverse(), ...older];
    for (const limit of [1, 3, 8, 100]) {
      const seen: string[] = [];
      let after = null;
      let pages = 0;
      while (true) {
        const page = await listPayouts(db.sql, {
          limit,
          after,
          status: null,
          currency: null,
          scheduled: null,
        });
        seen.push(...page.payouts.map((p) => p.id));
        pages++;
        assert.ok(page.payouts.length <= limit);
        if (!page.more) break;
        after = page.last;
      }
      assert.deepEqual(seen, expected, `limit ${limit}`);
      assert.equal(pages, Math.max(1, Math.ceil(expected.length / limit)), `limit ${limit}`);
    }
  });
});

Deno.test("listPayouts filters by status and currency", async () => {
  await withTestDatabase(async (db) => {
    const usd =
      (await insertPayout(db.sql, crypto.randomUUID(), draft(), "pending", actor)).payout.id;
    const jpy = (await insertPayout(
      db.sql,
      crypto.randomUUID(),
      draft({ currency: "JPY", amountMinor: 500n }),
      "pending",
      actor,
    )).payout.id;
    await claimPayout(db.sql, jpy, "worker:test", 60_000);
    const list = (status: "pending" | "processing" | null, currency: string | null) =>
      listPayouts(db.sql, { limit: 10, after: null, status, currency, scheduled: null })
        .then((page) => page.payouts.map((p) => p.id));
    assert.deepEqual(await list("pending", null), [usd]);
    assert.deepEqual(await list("processing", null), [jpy]);
    assert.deepEqual(await list(null, "JPY"), [jpy]);
    assert.deepEqual(await list("pending", "JPY"), []);
  });
});

Deno.test("updateOpenPayout writes only at the matching version", async () => {
  await withTestDatabase(async (db) => {
    const id = crypto.randomUUID();
    await insertPayout(db.sql, id, draft(), "pending", actor);
    const changed = draft({ amountMinor: 999n, description: "changed" });
    assert.equal(await updateOpenPayout(db.sql, at(id, 2), changed, {}, actor), undefined);
    assert.equal((await findPayout(db.sql, id))?.amountMinor, 12550n);

    const updated = (await updateOpenPayout(db.sql, at(id, 1), changed, { amount: true }, actor))
      ?.payout;
    assert.equal(updated?.amountMinor, 999n);
    assert.equal(updated?.description, "changed");
    assert.equal(updated?.version, 2);
    // The version it was read at is gone now: a second writer with it loses.
    const stale = draft({ amountMinor: 1n });
    assert.equal(await updateOpenPayout(db.sql, at(id, 1), stale, {}, actor), undefined);
    assert.equal((await findPayout(db.sql, id))?.amountMinor, 999n);

    const events = await db.sql`
      select type, detail from payout_events where payout_id = ${id} order by id
    `;
    assert.deepEqual(events.map((e) => e.type), ["created", "updated"]);
    assert.deepEqual(events[1].detail, { changes: { amount: true } });
  });
});

Deno.test("updateOpenPayout never changes a payout that left pending", async () => {
  await withTestDatabase(async (db) => {
    const id = crypto.randomUUID();
    await insertPayout(db.sql, id, draft(), "pending", actor);
    const claim = await claimPayout(db.sql, id, "worker:test", 60_000);
    assert.ok(claim);
    const result = await updateOpenPayout(
      db.sql,
      at(id, claim.payout.version),
      draft({ amountMinor: 1n }),
      {},
      actor,
    );
    assert.equal(result, undefined);
    const [row] = await db.sql`select amount::text, status from payouts where id = ${id}`;
    assert.deepEqual({ ...row }, { amount: "125.5000", status: "processing" });
    assert.equal(await count(db, "payout_events", id), 2); // created, status_changed
  });
});

Deno.test("cancelOpenPayout cancels once, only while pending and at a listed version", async () => {
  await withTestDatabase(async (db) => {
    const id = crypto.randomUUID();
    await insertPayout(db.sql, id, draft(), "pending", actor);
    assert.equal(await cancelOpenPayout(db.sql, id, [2, 3], actor), false);
    assert.equal(await cancelOpenPayout(db.sql, id, [], actor), false);
    assert.equal(await cancelOpenPayout(db.sql, id, [5, 1], actor), true);
    assert.equal(await cancelOpenPayout(db.sql, id, null, actor), false);
    const events = await db.sql`
      select type, from_status, to_status, actor from payout_events
      where payout_id = ${id} order by id
    `;
    assert.deepEqual([...events].map((e) => ({ ...e })), [
      { type: "created", from_status: null, to_status: "pending", actor: "api:test" },
      { type: "canceled", from_status: "pending", to_status: "canceled", actor: "api:test" },
    ]);

    const processing = crypto.randomUUID();
    await insertPayout(db.sql, processing, draft(), "pending", actor);
    await claimPayout(db.sql, processing, "worker:test", 60_000);
    assert.equal(await cancelOpenPayout(db.sql, processing, null, actor), false);
    assert.equal((await findPayout(db.sql, processing))?.status, "processing");
    assert.equal(await cancelOpenPayout(db.sql, crypto.randomUUID(), null, actor), false);
  });
});

Deno.test("the database rejects payouts that break its invariants", async (t) => {
  await withTestDatabase(async (db) => {
    const insert = (values: Record<string, unknown>) => {
      const row = {
        id: crypto.randomUUID(),
        amount: "10",
        currency: "USD",
        recipient_details: { account: "x" },
        status: "pending",
        failure_reason: null,
        ...values,
      };
      return db.sql`
        insert into payouts (id, amount, currency, recipient_details, status, failure_reason)
        values (
          ${row.id}, ${row.amount as string}::numeric, ${row.currency as string},
          ${db.sql.json(row.recipient_details as Record<string, string>)},
          ${row.status as string}, ${row.failure_reason as string | null}
        )
      `;
    };
    // The baseline row is valid, so each rejection below is due to its one change.
    await insert({});
    const rejected: [string, Record<string, unknown>][] = [
      ["a zero amount", { amount: "0" }],
      ["a negative amount", { amount: "-5" }],
      ["an amount over 1,000,000,000", { amount: "1000000000.0001" }],
      ["an unknown status", { status: "paid" }],
      ["a lowercase currency", { currency: "usd" }],
      ["a failed payout without failure_reason", { status: "failed" }],
      ["a failure_reason on a payout that did not fail", { failure_reason: "nope" }],
      ["recipient_details that are not an object", { recipient_details: ["x"] }],
    ];
    for (const [name, values] of rejected) {
      await t.step(name, async () => {
        await assert.rejects(insert(values), /violates check constraint/);
      });
    }
    await insert({ status: "failed", failure_reason: "rejected" });
    await insert({ amount: "1000000000" });
    const [{ n }] = await db.sql`select count(*)::int as n from payouts`;
    assert.equal(n, 3);
  });
});
