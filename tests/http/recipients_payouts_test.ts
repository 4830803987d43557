import assert from "node:assert/strict";
import { renderEventData } from "../../src/payouts/payout_snapshot.ts";
import { createTestApp, withTestApp } from "../helpers/app.ts";
import { assertFieldError, assertProblem, createPayout, patchPayout } from "./payout_fixtures.ts";
import {
  BIC,
  call,
  createRecipient,
  FR_IBAN,
  IBAN,
  MASKED_IBAN,
  sepaBody,
  testBody,
} from "./recipient_fixtures.ts";

type Payout = Record<string, unknown> & {
  id: string;
  recipient_details: Record<string, string>;
  recipient_id: string | null;
};

const eur = (recipientId: string, fields: Record<string, unknown> = {}) => ({
  amount: "125.50",
  currency: "EUR",
  recipient_id: recipientId,
  ...fields,
});

async function stored(t: Parameters<typeof call>[0], id: string) {
  const [row] = await t.db.sql`
    select recipient_details, recipient_id, recipient_type from payouts where id = ${id}
  `;
  return { ...row };
}

Deno.test("a payout by recipient_id copies a sepa recipient's details and shows the account masked", () =>
  withTestApp(async (t) => {
    const { recipient } = await createRecipient(t);
    const response = await call(t, "POST", "/api/payouts/", eur(recipient.id.toUpperCase()));
    assert.equal(response.status, 201);
    const payout = await response.json() as Payout;
    assert.equal(payout.recipient_id, recipient.id);
    assert.deepEqual(payout.recipient_details, {
      account: MASKED_IBAN,
      name: "Ada Lovelace",
      bic: BIC,
    });
    assert.deepEqual(await stored(t, payout.id), {
      recipient_details: { account: IBAN, name: "Ada Lovelace", bic: BIC },
      recipient_id: recipient.id,
      recipient_type: "sepa",
    });
    const read = await call(t, "GET", `/api/payouts/${payout.id}/`);
    assert.deepEqual(await read.json(), payout);
    const list = await (await call(t, "GET", "/api/payouts/")).json();
    assert.deepEqual(list.results, [payout]);
    const changed = await patchPayout(t, payout.id, { description: "rent" });
    assert.deepEqual((await changed.json()).recipient_details, payout.recipient_details);
    const events = await (await call(t, "GET", `/api/payouts/${payout.id}/events/`)).json();
    assert.equal(events.results[0].detail.recipient_id, recipient.id);
    for (const text of [JSON.stringify(list), JSON.stringify(events)]) {
      assert.doesNotMatch(text, /DE89|370400440532/);
    }
  }));

Deno.test("a payout by recipient_id copies a test recipient's account object", () =>
  withTestApp(async (t) => {
    const { recipient } = await createRecipient(t, testBody());
    const { payout } = await createPayout(t, {
      recipient_details: undefined,
      recipient_id: recipient.id,
    });
    assert.deepEqual(payout.recipient_details, { account: "•••• 7890", branch: "north" });
    assert.deepEqual(await stored(t, payout.id), {
      recipient_details: { account: "ACC-1234567890", branch: "north" },
      recipient_id: recipient.id,
      recipient_type: "test",
    });
    // Inline payouts keep today's contract: unmasked, recipient_id null, paid as test.
    const inline = await createPayout(t);
    assert.deepEqual(inline.payout.recipient_details, { account: "DE89370400440532013000" });
    assert.equal(inline.payout.recipient_id, null);
    assert.equal((await stored(t, inline.payout.id)).recipient_type, "test");
  }));

Deno.test("changing or deleting the recipient never changes a payout already made", () =>
  withTestApp(async (t) => {
    const { recipient } = await createRecipient(t);
    const before = await (await call(t, "POST", "/api/payouts/", eur(recipient.id)))
      .json() as Payout;
    const copy = await stored(t, before.id);
    const changed = await call(t, "PATCH", `/api/recipients/${recipient.id}/`, {
      name: "Someone Else",
      account: { iban: FR_IBAN },
    });
    assert.equal(changed.status, 200);
    await changed.body?.cancel();
    assert.deepEqual(await (await call(t, "GET", `/api/payouts/${before.id}/`)).json(), before);
    assert.deepEqual(await stored(t, before.id), copy);

    const after = await (await call(t, "POST", "/api/payouts/", eur(recipient.id)))
      .json() as Payout;
    assert.deepEqual(after.recipient_details, { account: "•••• 2606", name: "Someone Else" });

    assert.equal((await call(t, "DELETE", `/api/recipients/${recipient.id}/`)).status, 204);
    assert.deepEqual(await (await call(t, "GET", `/api/payouts/${before.id}/`)).json(), before);
    assert.deepEqual(await stored(t, before.id), copy);
  }));

Deno.test("recipient_id and recipient_details: exactly one; an unknown or deleted recipient is named", async (ctx) => {
  const t = await createTestApp();
  try {
    const { recipient } = await createRecipient(t);
    const gone = (await createRecipient(t)).recipient;
    await call(t, "DELETE", `/api/recipients/${gone.id}/`);
    const usd = (await createRecipient(t, testBody({ currency: "USD" }))).recipient;
    const cases: [string, Record<string, unknown>, string[]][] = [
      ["both", eur(recipient.id, { recipient_details: { account: "A" } }), [
        "recipient_details",
        "recipient_id",
      ]],
      ["neither", { amount: "1", currency: "EUR" }, ["recipient_details"]],
      ["an unknown recipient", eur(crypto.randomUUID()), ["recipient_id"]],
      ["a deleted recipient", eur(gone.id), ["recipient_id"]],
      ["a malformed id", eur("not-a-uuid"), ["recipient_id"]],
      ["a number id", eur(12 as unknown as string), ["recipient_id"]],
      ["a null id", eur(null as unknown as string), ["recipient_id"]],
      ["a sepa recipient paid in USD", eur(recipient.id, { currency: "USD" }), [
        "currency",
        "recipient_id",
      ]],
      ["a USD recipient paid in EUR", eur(usd.id), ["currency", "recipient_id"]],
    ];
    for (const [name, body, paths] of cases) {
      await ctx.step(name, async () => {
        const response = await call(t, "POST", "/api/payouts/", body);
        const problem = await assertFieldError(response, paths[0]);
        assert.deepEqual(problem.errors!.map((e) => e.path).sort(), paths);
      });
    }
    await ctx.step("neither is the missing recipient_details error of before", async () => {
      const problem = await assertProblem(
        await call(t, "POST", "/api/payouts/", { amount: "1", currency: "EUR" }),
        400,
      );
      assert.deepEqual(problem.errors, [{ path: "recipient_details", message: "is required" }]);
    });
    await ctx.step("nothing was created", async () => {
      const [{ n }] = await t.db.sql`select count(*)::int as n from payouts`;
      assert.equal(n, 0);
    });
  } finally {
    await t.close();
  }
});

Deno.test("PATCH of a payout may switch to another recipient (a new copy) or to inline details", () =>
  withTestApp(async (t) => {
    const first = (await createRecipient(t)).recipient;
    const second =
      (await createRecipient(t, sepaBody({ name: "Grace", account: { iban: FR_IBAN } }))).recipient;
    const usd = (await createRecipient(t, testBody({ currency: "USD" }))).recipient;
    const { payout } = await createPayout(t, {
      currency: "EUR",
      recipient_details: undefined,
      recipient_id: first.id,
    });

    const switched = await patchPayout(t, payout.id, { recipient_id: second.id });
    assert.equal(switched.status, 200);
    const body = await switched.json() as Payout;
    assert.equal(body.recipient_id, second.id);
    assert.deepEqual(body.recipient_details, { account: "•••• 2606", name: "Grace" });
    assert.deepEqual((await stored(t, payout.id)).recipient_details, {
      account: FR_IBAN,
      name: "Grace",
    });

    // The recipient's currency binds a PATCH too, whether it names the recipient or not.
    await assertFieldError(
      await patchPayout(t, payout.id, { recipient_id: usd.id }),
      "recipient_id",
    );
    await assertFieldError(await patchPayout(t, payout.id, { currency: "USD" }), "currency");
    await assertFieldError(
      await patchPayout(t, payout.id, {
        recipient_id: first.id,
        recipient_details: { account: "A" },
      }),
      "recipient_id",
    );
    await assertFieldError(
      await patchPayout(t, payout.id, { recipient_id: crypto.randomUUID() }),
      "recipient_id",
    );

    const inline = await patchPayout(t, payout.id, {
      recipient_details: { account: "INLINE-1" },
      currency: "USD",
    });
    const inlined = await inline.json() as Payout;
    assert.equal(inline.status, 200, JSON.stringify(inlined));
    assert.equal(inlined.recipient_id, null);
    assert.deepEqual(inlined.recipient_details, { account: "INLINE-1" }, "inline again: unmasked");
    assert.deepEqual(await stored(t, payout.id), {
      recipient_details: { account: "INLINE-1" },
      recipient_id: null,
      recipient_type: "test",
    });
    const events = await (await call(t, "GET", `/api/payouts/${payout.id}/events/`)).json();
    const changes = events.results.filter((e: { type: string }) => e.type === "updated")
      .map((e: { detail: { changes: Record<string, unknown> } }) => e.detail.changes.recipient_id);
    assert.deepEqual(changes, [{ from: first.id, to: second.id }, { from: second.id, to: null }]);
  }));

Deno.test("POST /api/payouts/ with recipient_id and an Idempotency-Key replays, even once the recipient is gone", () =>
  withTestApp(async (t) => {
    const { recipient } = await createRecipient(t);
    const key = `payout-${crypto.randomUUID()}`;
    const headers = { ...t.headers, "Idempotency-Key": key };
    const first = await call(t, "POST", "/api/payouts/", eur(recipient.id), headers);
    assert.equal(first.status, 201);
    const text = await first.text();
    assert.match(text, /•••• 3000/);
    await call(t, "DELETE", `/api/recipients/${recipient.id}/`);
    const again = await call(t, "POST", "/api/payouts/", eur(recipient.id), headers);
    assert.equal(again.status, 201);
    assert.equal(again.headers.get("idempotent-replayed"), "true");
    assert.equal(await again.text(), text);
    await assertProblem(
      await call(t, "POST", "/api/payouts/", eur(recipient.id, { amount: "2" }), headers),
      422,
    );
    const [{ n }] = await t.db.sql`select count(*)::int as n from payouts`;
    assert.equal(n, 1);

    // Refused (the recipient is gone): not recorded under the key, which stays free.
    const other = { ...t.headers, "Idempotency-Key": `${key}-2` };
    await assertFieldError(
      await call(t, "POST", "/api/payouts/", eur(recipient.id), other),
      "recipient_id",
    );
    const live = (await createRecipient(t)).recipient;
    const created = await call(t, "POST", "/api/payouts/", eur(live.id), other);
    assert.equal(created.status, 201);
    assert.equal(created.headers.get("idempotent-replayed"), null);
    await created.body?.cancel();
  }));

Deno.test("webhook messages of a payout by recipient_id carry the masked copy", () =>
  withTestApp(async (t) => {
    const endpoint = await call(t, "POST", "/api/webhook-endpoints/", {
      url: "https://93.184.216.34/hook",
      events: ["payout.created"],
    });
    assert.equal(endpoint.status, 201);
    await endpoint.body?.cancel();
    const { recipient } = await createRecipient(t);
    const payout = await (await call(t, "POST", "/api/payouts/", eur(recipient.id)))
      .json() as Payout;
    const [message] = await t.db.sql`
      select event_type, data from webhook_messages where payout_id = ${payout.id}
    `;
    assert.deepEqual(renderEventData(message.event_type, message.data), payout);
  }));
