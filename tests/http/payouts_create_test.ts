import assert from "node:assert/strict";
import { createTestApp } from "../helpers/app.ts";
import {
  assertFieldError,
  assertProblem,
  createPayout,
  payoutBody,
  postPayout,
} from "./payout_fixtures.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
/** U+1F600: one code point, two UTF-16 units, four UTF-8 bytes. */
const ASTRAL = "\u{1F600}";

Deno.test("POST creates a pending payout: 201, Location, ETag and the payout as stored", async () => {
  const t = await createTestApp();
  try {
    const response = await postPayout(t, {
      amount: "125.5",
      currency: "usd",
      recipient_details: { account: "  DE89370400440532013000\t", name: "Ada" },
    });
    assert.equal(response.status, 201);
    assert.equal(response.headers.get("content-type"), "application/json");
    const body = await response.json();
    assert.deepEqual(Object.keys(body).sort(), [
      "amount",
      "connector",
      "created_at",
      "currency",
      "description",
      "failure_reason",
      "id",
      "recipient_details",
      "recipient_id",
      "requires_approval",
      "return_reason",
      "scheduled_for",
      "status",
      "updated_at",
    ]);
    assert.match(body.id, UUID);
    assert.equal(body.amount, "125.50");
    assert.equal(body.currency, "USD");
    assert.deepEqual(body.recipient_details, { account: "DE89370400440532013000", name: "Ada" });
    assert.equal(body.description, "");
    assert.equal(body.status, "pending");
    assert.equal(body.failure_reason, null);
    assert.equal(body.connector, null);
    assert.equal(body.return_reason, null);
    assert.equal(body.scheduled_for, null);
    assert.equal(body.requires_approval, false);
    assert.match(body.created_at, RFC3339_UTC);
    assert.match(body.updated_at, RFC3339_UTC);
    assert.equal(response.headers.get("location"), `/api/payouts/${body.id}/`);
    const etag = response.headers.get("etag");
    assert.match(etag ?? "", /^"[\x21\x23-\x7e]+"$/, "a strong ETag");

    const read = await t.request(`/api/payouts/${body.id}/`, { headers: t.headers });
    assert.equal(read.status, 200);
    assert.deepEqual(await read.json(), body);
    assert.equal(read.headers.get("etag"), etag);
  } finally {
    await t.close();
  }
});

Deno.test("POST Location uses the prefix the request used", async () => {
  const t = await createTestApp();
  try {
    for (const path of ["/api/payouts", "/api/payouts/", "/api/v1/payouts", "/api/v1/payouts/"]) {
      const response = await postPayout(t, payoutBody(), path);
      assert.equal(response.status, 201, path);
      const { id } = await response.json();
      const prefix = path.startsWith("/api/v1") ? "/api/v1" : "/api";
      assert.equal(response.headers.get("location"), `${prefix}/payouts/${id}/`, path);
      const followed = await t.request(response.headers.get("location")!, { headers: t.headers });
      assert.equal(followed.status, 200);
      await followed.body?.cancel();
    }
  } finally {
    await t.close();
  }
});

Deno.test("POST writes amounts with exactly the currency's fraction digits", async () => {
  const t = await createTestApp();
  try {
    const cases: [unknown, string, string][] = [
      ["125.50", "USD", "125.50"],
      ["7", "USD", "7.00"],
      ["0.01", "EUR", "0.01"],
      ["1000", "JPY", "1000"],
      ["1.25", "BHD", "1.250"],
      ["0.001", "KWD", "0.001"],
      ["1000000000", "USD", "1000000000.00"],
      ["1000000000.000", "BHD", "1000000000.000"],
      [125.5, "USD", "125.50"],
      [0.1, "USD", "0.10"],
      [1000, "JPY", "1000"],
      [1e9, "JPY", "1000000000"],
      [1.005, "BHD", "1.005"],
    ];
    for (const [amount, currency, expected] of cases) {
      const { payout } = await createPayout(t, { amount, currency });
      assert.equal(payout.amount, expected, `${JSON.stringify(amount)} ${currency}`);
    }
  } finally {
    await t.close();
  }
});

Deno.test("POST rejects every invalid amount with errors[] naming amount", async (ctx) => {
  const t = await createTestApp();
  try {
    const cases: [unknown, string][] = [
      ["0", "USD"],
      ["0.00", "USD"],
      [0, "USD"],
      [-5, "USD"],
      ["-5", "USD"],
      ["1000000000.01", "USD"],
      ["1000000001", "JPY"],
      [1e10, "USD"],
      [1e300, "USD"],
      ["1.234", "USD"],
      [1.234, "USD"],
      ["1000.0", "JPY"],
      [1000.5, "JPY"],
      ["1.2345", "BHD"],
      ["1e3", "USD"],
      ["01", "USD"],
      [" 1", "USD"],
      ["1 ", "USD"],
      ["1.", "USD"],
      [".5", "USD"],
      ["+1", "USD"],
      ["1,00", "USD"],
      ["", "USD"],
      ["0x10", "USD"],
      ["Infinity", "USD"],
      ["NaN", "USD"],
      ["١٢", "USD"],
      [5e-324, "USD"],
      ["9".repeat(5000), "USD"],
      [null, "USD"],
      [true, "USD"],
      [["1"], "USD"],
      [{ value: "1" }, "USD"],
    ];
    for (const [amount, currency] of cases) {
      await ctx.step(`${JSON.stringify(amount).slice(0, 30)} ${currency}`, async () => {
        await assertFieldError(await postPayout(t, payoutBody({ amount, currency })), "amount");
      });
    }
    await ctx.step("a missing amount", async () => {
      await assertFieldError(await postPayout(t, payoutBody({ amount: undefined })), "amount");
    });
  } finally {
    await t.close();
  }
});

Deno.test("POST accepts only active circulating ISO 4217 currencies, case-insensitively", async (ctx) => {
  const t = await createTestApp();
  try {
    for (const currency of ["eur", "Jpy", "bhd", "XOF", "CHF"]) {
      const { payout } = await createPayout(t, { amount: "1", currency });
      assert.equal(payout.currency, currency.toUpperCase());
    }
    const rejected = [
      "XAU", // gold
      "XAG", // silver
      "XDR", // SDR, a unit of account
      "XTS", // testing code
      "XXX", // no currency
      "USN", // a fund code
      "CHE", // a fund code
      "HRK", // withdrawn
      "ZWL", // withdrawn
      "ABC",
      "US",
      "USDD",
      "",
      " USD",
      "toString",
      "__proto__",
      840,
      null,
    ];
    for (const currency of rejected) {
      await ctx.step(JSON.stringify(currency), async () => {
        await assertFieldError(await postPayout(t, payoutBody({ currency })), "currency");
      });
    }
    await ctx.step("a missing currency", async () => {
      await assertFieldError(await postPayout(t, payoutBody({ currency: undefined })), "currency");
    });
  } finally {
    await t.close();
  }
});

Deno.test("POST validates recipient_details and names the field at fault", async (ctx) => {
  const t = await createTestApp();
  try {
    const rd = "recipient_details";
    const cases: [string, unknown, string][] = [
      ["missing", undefined, rd],
      ["null", null, rd],
      ["a string", "DE89", rd],
      ["an array", [{ account: "DE89" }], rd],
      ["without account", { name: "Ada" }, `${rd}.account`],
      ["with a non-string account", { account: 12345 }, `${rd}.account`],
      ["with an empty account", { account: "" }, `${rd}.account`],
      ["with a blank account", { account: " \t\n " }, `${rd}.account`],
      ["with 65 code points", { account: ASTRAL.repeat(65) }, `${rd}.account`],
      ["with a number extra value", { account: "DE89", bic: 123 }, `${rd}.bic`],
      ["with an object extra value", { account: "DE89", bank: { bic: "X" } }, `${rd}.bank`],
      ["with a null extra value", { account: "DE89", note: null }, `${rd}.note`],
      ["over 2048 bytes", { account: "DE89", note: "x".repeat(2048) }, rd],
      // 600 astral characters: 1,200 UTF-16 units but 2,400 UTF-8 bytes.
      ["over 2048 UTF-8 bytes", { account: "DE89", note: ASTRAL.repeat(600) }, rd],
    ];
    for (const [name, value, path] of cases) {
      await ctx.step(name, async () => {
        await assertFieldError(await postPayout(t, payoutBody({ [rd]: value })), path);
      });
    }
  } finally {
    await t.close();
  }
});

Deno.test("POST counts code points and UTF-8 bytes, not UTF-16 units", async () => {
  const t = await createTestApp();
  try {
    // 64 astral code points are 128 UTF-16 units: allowed.
    const account = ASTRAL.repeat(64);
    const { payout } = await createPayout(t, { recipient_details: { account: ` ${account} ` } });
    assert.deepEqual(payout.recipient_details, { account });

    const description = ASTRAL.repeat(255);
    const long = await createPayout(t, { description });
    assert.equal(long.payout.description, description);

    // Exactly 2,048 bytes of compact JSON is allowed.
    const base = JSON.stringify({ account: "DE89", note: "" });
    const details = { account: "DE89", note: "n".repeat(2048 - base.length) };
    assert.equal(new TextEncoder().encode(JSON.stringify(details)).length, 2048);
    const big = await createPayout(t, { recipient_details: details });
    assert.deepEqual(big.payout.recipient_details, details);
  } finally {
    await t.close();
  }
});

Deno.test("POST validates description: optional, a string, at most 255 code points", async (ctx) => {
  const t = await createTestApp();
  try {
    const sent = "  Invoice\n2026  \u00e9 ";
    const kept = await createPayout(t, { description: sent });
    assert.equal(kept.payout.description, sent, "stored exactly as sent");
    const absent = await createPayout(t, { description: undefined });
    assert.equal(absent.payout.description, "");

    for (const description of ["x".repeat(256), ASTRAL.repeat(256), null, 42, ["a"], {}]) {
      await ctx.step(JSON.stringify(description).slice(0, 20), async () => {
        await assertFieldError(await postPayout(t, payoutBody({ description })), "description");
      });
    }
  } finally {
    await t.close();
  }
});

Deno.test("POST rejects unknown and read-only fields, naming each", async (ctx) => {
  const t = await createTestApp();
  try {
    const fields: Record<string, unknown> = {
      id: crypto.randomUUID(),
      status: "completed",
      failure_reason: "x",
      created_at: "2020-01-01T00:00:00Z",
      updated_at: "2020-01-01T00:00:00Z",
      amount_minor: 100,
      Amount: "1",
    };
    for (const [field, value] of Object.entries(fields)) {
      await ctx.step(field, async () => {
        await assertFieldError(await postPayout(t, payoutBody({ [field]: value })), field);
      });
    }
    await ctx.step("several at once are each named", async () => {
      const body = await assertProblem(
        await postPayout(t, payoutBody({ id: "x", status: "pending", foo: 1 })),
        400,
      );
      const paths = body.errors!.map((error) => error.path).sort();
      assert.deepEqual(paths, ["foo", "id", "status"]);
    });
    const rows = await t.db.sql`select count(*)::int as n from payouts`;
    assert.equal(rows[0].n, 0, "nothing rejected was stored");
  } finally {
    await t.close();
  }
});

Deno.test("POST rejects NUL and unpaired surrogates in any string, keys included", async (ctx) => {
  const t = await createTestApp();
  try {
    // Written as JSON text so the escapes reach the server as sent.
    const account = `"recipient_details": {"account": "DE89"}`;
    const base = `"amount": "1.00", "currency": "USD"`;
    const cases: [string, string][] = [
      ["NUL in description", String.raw`{${base}, ${account}, "description": "a\u0000b"}`],
      ["lone high surrogate", String.raw`{${base}, ${account}, "description": "a\ud800b"}`],
      ["lone low surrogate", String.raw`{${base}, ${account}, "description": "\udc00"}`],
      ["reversed pair", String.raw`{${base}, ${account}, "description": "\udc00\ud800"}`],
      ["NUL in currency", String.raw`{"amount": "1.00", "currency": "US\u0000D", ${account}}`],
      ["NUL in amount", String.raw`{"amount": "1\u0000", "currency": "USD", ${account}}`],
      ["NUL in a key", String.raw`{${base}, ${account}, "x\u0000": "1"}`],
    ];
    for (const [name, text] of cases) {
      await ctx.step(name, async () => {
        await assertProblem(await postPayout(t, text), 400);
      });
    }
    const nested: [string, string][] = [
      ["NUL in the account", String.raw`{"account": "DE\u000089"}`],
      ["lone surrogate in the account", String.raw`{"account": "DE\ud83d"}`],
      ["NUL in an extra value", String.raw`{"account": "DE89", "name": "A\u0000"}`],
      ["lone surrogate in a nested key", String.raw`{"account": "DE89", "n\udfff": "A"}`],
    ];
    for (const [name, details] of nested) {
      await ctx.step(name, async () => {
        const response = await postPayout(t, `{${base}, "recipient_details": ${details}}`);
        const body = await assertProblem(response, 400);
        assert.ok(
          body.errors!.some((error) => error.path.startsWith("recipient_details")),
          JSON.stringify(body.errors),
        );
      });
    }
    await ctx.step("a proper surrogate pair is fine", async () => {
      const response = await postPayout(
        t,
        String.raw`{${base}, ${account}, "description": "\ud83d\ude00"}`,
      );
      assert.equal(response.status, 201);
      assert.equal((await response.json()).description, ASTRAL);
    });
  } finally {
    await t.close();
  }
});

Deno.test("POST answers 400, never 500, for bodies that are not a payout object", async (ctx) => {
  const t = await createTestApp();
  try {
    const bodies = [
      "",
      "null",
      "[]",
      '"payout"',
      "42",
      "true",
      "{",
      "{'amount': '1'}",
      '{"amount": "1",}',
      "[".repeat(30_000) + "]".repeat(30_000),
      `{"amount": ${"[".repeat(20_000)}${"]".repeat(20_000)}, "currency": "USD"}`,
      `{"recipient_details": ${'{"a":'.repeat(5_000)}1${"}".repeat(5_000)}}`,
    ];
    for (const body of bodies) {
      await ctx.step(JSON.stringify(body.slice(0, 24)), async () => {
        await assertProblem(await postPayout(t, body), 400);
      });
    }
    await ctx.step("bytes that are not UTF-8", async () => {
      const response = await t.request("/api/payouts/", {
        method: "POST",
        headers: t.headers,
        body: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
      });
      await assertProblem(response, 400);
    });
  } finally {
    await t.close();
  }
});

Deno.test("POST never drops a __proto__ key silently: it is a 400 naming it", async () => {
  const t = await createTestApp();
  try {
    const base = `"amount": "1.00", "currency": "USD"`;
    const cases: [string, string][] = [
      [
        `{${base}, "recipient_details": {"account": "DE89", "__proto__": "x"}}`,
        "recipient_details.__proto__",
      ],
      [
        `{${base}, "recipient_details": {"account": "DE89", "__proto__": {}}}`,
        "recipient_details.__proto__",
      ],
      [`{${base}, "recipient_details": {"account": "DE89"}, "__proto__": {"x": 1}}`, "__proto__"],
    ];
    for (const [text, path] of cases) {
      await assertFieldError(await postPayout(t, text), path);
    }
    const ordinary = await createPayout(t, {
      recipient_details: { account: "DE89", constructor: "x", toString: "y" },
    });
    assert.deepEqual(ordinary.payout.recipient_details, {
      account: "DE89",
      constructor: "x",
      toString: "y",
    });
  } finally {
    await t.close();
  }
});
