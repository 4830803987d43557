import assert from "node:assert/strict";
import { withTestApp } from "../helpers/app.ts";
import {
  assertFieldError,
  assertProblem,
  createPayout,
  createPayoutIn,
  LEFT_PENDING,
  patchPayout,
  PAYOUT_PATHS,
} from "./payout_fixtures.ts";

Deno.test("PATCH changes a pending payout and answers it with a new ETag", () =>
  withTestApp(async (t) => {
    const { payout, etag } = await createPayout(t);
    const etags = new Set([etag]);
    const steps: [Record<string, unknown>, Record<string, unknown>][] = [
      [{ amount: "99.9" }, { amount: "99.90" }],
      [{ amount: 12 }, { amount: "12.00" }],
      [{ description: " new " }, { description: " new " }],
      [{ description: "" }, { description: "" }],
      [
        { recipient_details: { account: " FR76 ", name: "Bo" } },
        { recipient_details: { account: "FR76", name: "Bo" } },
      ],
      [{ currency: "eur" }, { currency: "EUR", amount: "12.00" }],
      [{ currency: "BHD", amount: "1.5" }, { currency: "BHD", amount: "1.500" }],
    ];
    let expected: Record<string, unknown> = { ...payout };
    const storedUpdatedAt = async () => {
      const [row] = await t.db.sql<{ micros: string }[]>`
        select (extract(epoch from updated_at) * 1000000)::bigint::text as micros
        from payouts where id = ${payout.id}
      `;
      return BigInt(row.micros);
    };
    let lastUpdatedAt = await storedUpdatedAt();
    for (const [patch, change] of steps) {
      const response = await patchPayout(t, payout.id, patch);
      const body = await response.json();
      assert.equal(response.status, 200, JSON.stringify(body));
      const { updated_at: _u, ...rest } = body;
      expected = { ...expected, ...change };
      const { updated_at: _e, ...wanted } = expected;
      assert.deepEqual(rest, wanted, JSON.stringify(patch));
      const updatedAt = await storedUpdatedAt();
      assert.ok(updatedAt > lastUpdatedAt, `updated_at moves with ${JSON.stringify(patch)}`);
      assert.equal(body.updated_at, new Date(Number(updatedAt / 1000n)).toISOString());
      lastUpdatedAt = updatedAt;
      const newEtag = response.headers.get("etag");
      assert.ok(newEtag && !etags.has(newEtag), `a new ETag after ${JSON.stringify(patch)}`);
      etags.add(newEtag);

      const read = await t.request(`/api/payouts/${payout.id}/`, { headers: t.headers });
      assert.equal(read.headers.get("etag"), newEtag);
      assert.deepEqual(await read.json(), body);
    }
  }));

Deno.test("PATCH answers under both prefixes, with and without a trailing slash", () =>
  withTestApp(async (t) => {
    const { payout } = await createPayout(t);
    for (const path of PAYOUT_PATHS) {
      const description = `via ${path}`;
      const response = await t.request(path.replace("ID", payout.id), {
        method: "PATCH",
        headers: t.headers,
        body: JSON.stringify({ description }),
      });
      assert.equal(response.status, 200, path);
      assert.equal((await response.json()).description, description);
    }
  }));

Deno.test("PATCH keeps the amount across a currency change only when it needs no rounding", () =>
  withTestApp(async (t) => {
    const odd = await createPayout(t, { amount: "125.50", currency: "USD" });
    await assertFieldError(await patchPayout(t, odd.payout.id, { currency: "JPY" }), "amount");
    const unchanged = await t.request(`/api/payouts/${odd.payout.id}/`, { headers: t.headers });
    const still = await unchanged.json();
    assert.equal(still.amount, "125.50");
    assert.equal(still.currency, "USD");
    assert.equal(unchanged.headers.get("etag"), odd.etag, "a rejected PATCH changes nothing");

    const round = await createPayout(t, { amount: "100.00", currency: "USD" });
    const toYen = await patchPayout(t, round.payout.id, { currency: "jpy" });
    assert.equal(toYen.status, 200);
    const yen = await toYen.json();
    assert.equal(yen.amount, "100");
    assert.equal(yen.currency, "JPY");

    const toDinar = await patchPayout(t, round.payout.id, { currency: "BHD" });
    assert.equal((await toDinar.json()).amount, "100.000");

    const withAmount = await patchPayout(t, odd.payout.id, { currency: "JPY", amount: "126" });
    assert.equal(withAmount.status, 200);
    assert.equal((await withAmount.json()).amount, "126");
  }));

Deno.test("PATCH validates the result as a whole and each field like POST", (ctx) =>
  withTestApp(async (t) => {
    const { payout } = await createPayout(t, { amount: "10", currency: "JPY" });
    const cases: [string, unknown, string][] = [
      ["an amount with decimals for the stored JPY", { amount: "10.5" }, "amount"],
      [
        "an amount too precise for the new currency",
        { currency: "USD", amount: "1.001" },
        "amount",
      ],
      ["a zero amount", { amount: "0" }, "amount"],
      ["an amount over the maximum", { amount: "1000000001" }, "amount"],
      ["an amount in exponent form", { amount: "1e3" }, "amount"],
      ["a metal currency", { currency: "XAU" }, "currency"],
      ["a null currency", { currency: null }, "currency"],
      [
        "details without account",
        { recipient_details: { name: "A" } },
        "recipient_details.account",
      ],
      ["a blank account", { recipient_details: { account: "  " } }, "recipient_details.account"],
      ["null details", { recipient_details: null }, "recipient_details"],
      ["a null description", { description: null }, "description"],
      ["a long description", { description: "d".repeat(256) }, "description"],
      ["an unknown field", { note: "x" }, "note"],
      ["a read-only status", { status: "completed" }, "status"],
      ["a read-only id", { id: crypto.randomUUID() }, "id"],
      ["a read-only created_at", { created_at: "2020-01-01T00:00:00Z" }, "created_at"],
      ["a read-only failure_reason", { failure_reason: "x" }, "failure_reason"],
      [
        "a valid change plus a read-only field",
        { description: "ok", updated_at: "x" },
        "updated_at",
      ],
    ];
    for (const [name, body, path] of cases) {
      await ctx.step(name, async () => {
        await assertFieldError(await patchPayout(t, payout.id, body), path);
      });
    }
    for (const body of [{}, "[]", "null", '"x"', "{"]) {
      await ctx.step(`the body ${JSON.stringify(body)}`, async () => {
        await assertProblem(await patchPayout(t, payout.id, body), 400);
      });
    }
    const rows = await t.db.sql`
      select amount::text, currency, version from payouts where id = ${payout.id}
    `;
    assert.deepEqual([...rows], [{ amount: "10.0000", currency: "JPY", version: 1 }]);
  }));

Deno.test("PATCH returns 409 once the payout has left pending", () =>
  withTestApp(async (t) => {
    for (const status of LEFT_PENDING) {
      const payout = await createPayoutIn(t, status);
      const body = await assertProblem(
        await patchPayout(t, payout.id, { description: "late" }),
        409,
      );
      assert.match(body.detail, new RegExp(status));
      const [row] = await t.db.sql`select description from payouts where id = ${payout.id}`;
      assert.equal(row.description, "Invoice 42");
    }
  }));

Deno.test("PATCH honours If-Match by RFC 9110 strong comparison", () =>
  withTestApp(async (t) => {
    const { payout, etag } = await createPayout(t);
    const patch = (ifMatch: string, description: string) =>
      patchPayout(t, payout.id, { description }, { "If-Match": ifMatch });

    const matched = await patch(etag, "one");
    assert.equal(matched.status, 200);
    const current = matched.headers.get("etag")!;
    assert.notEqual(current, etag);

    const stale = await patch(etag, "stale");
    await assertProblem(stale, 412);
    assert.equal(stale.headers.get("etag"), current, "412 carries the current ETag");

    for (const mismatch of [`W/${current}`, '"nope"', current.slice(1, -1), "", "garbage, *"]) {
      const response = await patch(mismatch, "never");
      await assertProblem(response, 412);
      assert.equal(response.headers.get("etag"), current, mismatch);
    }

    const any = await patch("*", "two");
    assert.equal(any.status, 200);
    const afterAny = any.headers.get("etag")!;

    const listed = await patch(`"other", ${etag},${afterAny} , W/"x"`, "three");
    assert.equal(listed.status, 200, "a list containing the current tag matches");

    const [row] = await t.db.sql`select description from payouts where id = ${payout.id}`;
    assert.equal(row.description, "three");
  }));

Deno.test("PATCH checks in the order 400, 404, 412, 409", () =>
  withTestApp(async (t) => {
    const unknown = crypto.randomUUID();
    await assertFieldError(await patchPayout(t, unknown, { status: "failed" }), "status");
    await assertFieldError(await patchPayout(t, unknown, { amount: "abc" }), "amount");
    await assertFieldError(await patchPayout(t, unknown, { amount: "-1" }), "amount");
    await assertFieldError(await patchPayout(t, unknown, { amount: "1.23456" }), "amount");
    await assertFieldError(await patchPayout(t, unknown, { amount: 1e10 }), "amount");
    await assertFieldError(await patchPayout(t, "not-an-id", { description: null }), "description");
    await assertProblem(await patchPayout(t, unknown, {}), 400);
    await assertProblem(await patchPayout(t, unknown, "{oops"), 400);

    await assertProblem(
      await patchPayout(t, unknown, { description: "x" }, { "If-Match": '"nope"' }),
      404,
    );
    await assertProblem(await patchPayout(t, "not-an-id", { description: "x" }), 404);

    const { payout, etag } = await createPayout(t);
    await t.db.sql`update payouts set status = 'processing' where id = ${payout.id}`;
    const mismatched = await patchPayout(t, payout.id, { description: "x" }, {
      "If-Match": '"nope"',
    });
    await assertProblem(mismatched, 412);
    const matched = await patchPayout(t, payout.id, { description: "x" }, { "If-Match": etag });
    await assertProblem(matched, 409);
  }));
