import assert from "node:assert/strict";
import { idempotencyLockId } from "../../src/idempotency/idempotency_key.ts";
import { createTestApp, withTestApp } from "../helpers/app.ts";
import { assertFieldError, assertProblem } from "./payout_fixtures.ts";
import {
  auditRows,
  BIC,
  call,
  createRecipient,
  FR_IBAN,
  IBAN,
  IBAN_SPACED,
  MASKED_IBAN,
  postRecipient,
  type Recipient,
  sepaBody,
  testBody,
} from "./recipient_fixtures.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

Deno.test("POST creates a sepa recipient: 201, Location, ETag, the IBAN normalised and masked", () =>
  withTestApp(async (t) => {
    const response = await postRecipient(
      t,
      sepaBody({
        name: "  Ada Lovelace ",
        account: { iban: "de89 3704 0044 0532 0130 00", bic: "cobadeffxxx" },
        metadata: { customer_id: "cus_1138" },
      }),
    );
    assert.equal(response.status, 201);
    const body = await response.json() as Recipient;
    assert.deepEqual(Object.keys(body).sort(), [
      "account",
      "created_at",
      "currency",
      "id",
      "metadata",
      "name",
      "type",
      "updated_at",
    ]);
    assert.match(body.id, UUID);
    assert.equal(body.name, "Ada Lovelace");
    assert.equal(body.type, "sepa");
    assert.equal(body.currency, "EUR", "a sepa recipient is paid in EUR");
    assert.deepEqual(body.account, { iban: MASKED_IBAN, bic: BIC });
    assert.deepEqual(body.metadata, { customer_id: "cus_1138" });
    assert.equal(body.created_at, body.updated_at);
    assert.equal(response.headers.get("location"), `/api/recipients/${body.id}/`);
    assert.match(response.headers.get("etag") ?? "", /^"[\x21\x23-\x7e]+"$/);

    const [row] = await t.db.sql`select account, name from recipients where id = ${body.id}`;
    assert.deepEqual(row.account, { iban: IBAN, bic: BIC }, "stored in electronic format");
    const read = await call(t, "GET", `/api/recipients/${body.id}/`);
    assert.deepEqual(await read.json(), body);
    assert.equal(read.headers.get("etag"), response.headers.get("etag"));
  }));

Deno.test("POST creates a test recipient, its account masked like an IBAN", () =>
  withTestApp(async (t) => {
    const { recipient } = await createRecipient(
      t,
      testBody({ currency: "usd", account: { account: " ACC-1234567890 ", branch: "north" } }),
    );
    assert.equal(recipient.type, "test");
    assert.equal(recipient.currency, "USD");
    assert.deepEqual(recipient.account, { account: "•••• 7890", branch: "north" });
    assert.deepEqual(recipient.metadata, {});
    const short = await createRecipient(t, testBody({ account: { account: "T-1" } }));
    assert.deepEqual(short.recipient.account, { account: "••••" });
    assert.equal(short.recipient.currency, null, "no currency: any");
    const [row] = await t.db.sql`select account from recipients where id = ${recipient.id}`;
    assert.deepEqual(row.account, { account: "ACC-1234567890", branch: "north" });
  }));

Deno.test("POST answers under /api/v1 with a /api/v1 Location, and with or without the slash", () =>
  withTestApp(async (t) => {
    for (const path of ["/api/v1/recipients", "/api/v1/recipients/", "/api/recipients"]) {
      const response = await postRecipient(t, sepaBody(), path);
      assert.equal(response.status, 201, path);
      const { id } = await response.json();
      const prefix = path.startsWith("/api/v1") ? "/api/v1" : "/api";
      assert.equal(response.headers.get("location"), `${prefix}/recipients/${id}/`);
    }
  }));

Deno.test("POST refuses each bad IBAN, BIC and field, naming it with a clear message", async (ctx) => {
  const t = await createTestApp();
  try {
    const sepa = (account: Record<string, unknown>) => sepaBody({ account });
    const cases: [string, unknown, string, RegExp][] = [
      [
        "a bad checksum",
        sepa({ iban: "DE89 3704 0044 0532 0130 01" }),
        "account.iban",
        /^IBAN checksum is wrong$/,
      ],
      [
        "a wrong length",
        sepa({ iban: "DE89 3704 0044 0532 0130" }),
        "account.iban",
        /^IBAN for DE must have 22 characters/,
      ],
      [
        "an unknown country",
        sepa({ iban: "XX89 3704 0044 0532 0130 00" }),
        "account.iban",
        /country/,
      ],
      [
        "a country outside SEPA",
        sepa({ iban: "TR330006100519786457841326" }),
        "account.iban",
        /outside the SEPA scheme/,
      ],
      ["an empty IBAN", sepa({ iban: " " }), "account.iban", /must not be empty/],
      ["a missing IBAN", sepa({ bic: BIC }), "account.iban", /is required/],
      ["a number IBAN", sepa({ iban: 12 }), "account.iban", /./],
      ["a number IBAN with a BIC", sepa({ iban: 12, bic: BIC }), "account.iban", /./],
      ["a number BIC", sepa({ iban: IBAN, bic: 12 }), "account.bic", /./],
      [
        "a bad BIC",
        sepa({ iban: IBAN, bic: "COBADE" }),
        "account.bic",
        /^BIC must be 8 or 11 characters/,
      ],
      ["a BIC of no country", sepa({ iban: IBAN, bic: "COBAXXFF" }), "account.bic", /XX/],
      [
        "a BIC of another country",
        sepa({ iban: IBAN, bic: "BNPAFRPP" }),
        "account.bic",
        /^BIC is for FR \(characters 5–6\) but the IBAN is for DE$/,
      ],
      [
        "an unknown account field",
        sepa({ iban: IBAN, owner: "x" }),
        "account.owner",
        /is not a known field/,
      ],
      [
        "a test account on a sepa one",
        sepa({ account: "ACC-1" }),
        "account.account",
        /is not a known field/,
      ],
      ["no account", sepaBody({ account: undefined }), "account", /is required/],
      ["a sepa currency other than EUR", sepaBody({ currency: "usd" }), "currency", /must be EUR/],
      ["a null sepa currency", sepaBody({ currency: null }), "currency", /must be EUR/],
      ["an unknown currency", testBody({ currency: "XTS" }), "currency", /ISO 4217/],
      ["a number currency", testBody({ currency: 978 }), "currency", /./],
      ["no name", sepaBody({ name: undefined }), "name", /is required/],
      ["a blank name", sepaBody({ name: "  \t " }), "name", /must not be empty/],
      ["a name over 70 characters", sepaBody({ name: "x".repeat(71) }), "name", /at most 70/],
      ["a sepa name SEPA cannot carry", sepaBody({ name: "李小龍" }), "name", /Latin letters/],
      ["no type", sepaBody({ type: undefined }), "type", /sepa or test/],
      ["an unknown type", sepaBody({ type: "swift" }), "type", /sepa or test/],
      ["an unknown field", sepaBody({ nickname: "Ada" }), "nickname", /is not a known field/],
      ["a read-only id", sepaBody({ id: crypto.randomUUID() }), "id", /is read-only/],
      [
        "a read-only created_at",
        sepaBody({ created_at: "2026-01-01T00:00:00Z" }),
        "created_at",
        /is read-only/,
      ],
      [
        "a test account without account",
        testBody({ account: { branch: "x" } }),
        "account.account",
        /is required/,
      ],
      [
        "a blank test account",
        testBody({ account: { account: "  " } }),
        "account.account",
        /empty/,
      ],
      [
        "a test account of 65 characters",
        testBody({ account: { account: "x".repeat(65) } }),
        "account.account",
        /64/,
      ],
      [
        "a test account with a number value",
        testBody({ account: { account: "A", n: 1 } }),
        "account.n",
        /./,
      ],
      [
        "a test account over 2048 bytes",
        testBody({ account: { account: "A", note: "x".repeat(2048) } }),
        "account",
        /2048 bytes/,
      ],
      ["metadata not an object", sepaBody({ metadata: "x" }), "metadata", /./],
      ["a metadata number value", sepaBody({ metadata: { a: 1 } }), "metadata.a", /./],
      [
        "a long metadata key",
        sepaBody({ metadata: { ["k".repeat(41)]: "v" } }),
        `metadata.${"k".repeat(41)}`,
        /1–40/,
      ],
      ["an empty metadata key", sepaBody({ metadata: { "": "v" } }), "metadata.", /1–40/],
      [
        "a long metadata value",
        sepaBody({ metadata: { k: "v".repeat(501) } }),
        "metadata.k",
        /500/,
      ],
      [
        "21 metadata keys",
        sepaBody({
          metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, "v"])),
        }),
        "metadata",
        /at most 20 keys/,
      ],
    ];
    for (const [name, body, path, message] of cases) {
      await ctx.step(name, async () => {
        const problem = await assertFieldError(await postRecipient(t, body), path);
        const error = problem.errors!.find((e) => e.path === path)!;
        assert.match(error.message, message);
      });
    }
    await ctx.step("several faults are named together", async () => {
      const problem = await assertFieldError(
        await postRecipient(t, sepaBody({ name: "", account: { iban: "DE00", bic: "X" } })),
        "name",
      );
      const paths = problem.errors!.map((e) => e.path).sort();
      assert.deepEqual(paths, ["account.bic", "account.iban", "name"]);
    });
    await ctx.step("nothing was stored", async () => {
      const [{ n }] = await t.db.sql`select count(*)::int as n from recipients`;
      assert.equal(n, 0);
    });
  } finally {
    await t.close();
  }
});

Deno.test("POST accepts every valid shape: no BIC, an 8-character BIC, spaces, other countries", () =>
  withTestApp(async (t) => {
    const cases: [Record<string, unknown>, Record<string, string>][] = [
      [{ iban: IBAN_SPACED }, { iban: MASKED_IBAN }],
      [{ iban: IBAN, bic: "COBADEFF" }, { iban: MASKED_IBAN, bic: "COBADEFF" }],
      [{ iban: "fr14 2004 1010 0505 0001 3m02 606", bic: "BNPAFRPP" }, {
        iban: "•••• 2606",
        bic: "BNPAFRPP",
      }],
    ];
    for (const [account, shown] of cases) {
      const { recipient } = await createRecipient(t, sepaBody({ account, currency: "eur" }));
      assert.deepEqual(recipient.account, shown);
      assert.equal(recipient.currency, "EUR");
    }
    const [row] = await t.db.sql`
      select account from recipients where account->>'iban' like 'FR%'
    `;
    assert.equal(row.account.iban, FR_IBAN);
  }));

Deno.test("POST with an Idempotency-Key replays, refuses another body (422) and a key in flight (409)", () =>
  withTestApp(async (t) => {
    const key = `recipient-${crypto.randomUUID()}`;
    const withKey = { ...t.headers, "Idempotency-Key": key };
    const post = (body: unknown, headers = withKey) =>
      call(t, "POST", "/api/recipients/", body, headers);

    const first = await post(sepaBody());
    assert.equal(first.status, 201);
    assert.equal(first.headers.get("idempotent-replayed"), null);
    const created = await first.text();
    const { id } = JSON.parse(created);

    // Changed since: the retry still gets the first answer, byte for byte.
    await call(t, "PATCH", `/api/recipients/${id}/`, { name: "Someone Else" });
    const reordered = JSON.stringify({
      account: { bic: BIC, iban: IBAN_SPACED },
      type: "sepa",
      name: "Ada Lovelace",
    });
    const again = await post(reordered);
    assert.equal(again.status, 201);
    assert.equal(again.headers.get("idempotent-replayed"), "true");
    assert.equal(await again.text(), created);
    assert.equal(again.headers.get("location"), first.headers.get("location"));
    assert.equal(again.headers.get("etag"), first.headers.get("etag"));

    await assertProblem(await post(sepaBody({ name: "Other" })), 422);

    const [{ n }] = await t.db.sql`select count(*)::int as n from recipients`;
    assert.equal(n, 1, "one recipient for the key");
    assert.equal((await auditRows(t, id)).filter((row) => row.action === "created").length, 1);

    // A body refused by validation is not recorded under its key.
    const fresh = { ...t.headers, "Idempotency-Key": `${key}-2` };
    await assertFieldError(await post(sepaBody({ name: "" }), fresh), "name");
    assert.equal((await post(sepaBody({ name: "Later" }), fresh)).status, 201);

    // A retry while the first request still holds its key.
    const busy = `${key}-3`;
    const apiKeyId = (await t.db.sql`select id from api_keys`)[0].id;
    const lockId = idempotencyLockId(apiKeyId, busy);
    await t.db.sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${lockId}::bigint)`;
      const inFlight = await post(sepaBody(), { ...t.headers, "Idempotency-Key": busy });
      await assertProblem(inFlight, 409);
    });
    await assertFieldError(
      await post(sepaBody(), { ...t.headers, "Idempotency-Key": "" }),
      "Idempotency-Key",
    );
  }));

Deno.test("POST records who created the recipient, with the request id, and no account number", () =>
  withTestApp(async (t) => {
    const response = await call(t, "POST", "/api/recipients/", sepaBody(), {
      ...t.headers,
      "X-Request-Id": "req-create-1",
    });
    const { id } = await response.json();
    const [row] = await auditRows(t, id);
    assert.equal(row.action, "created");
    assert.match(row.actor, /^api:test-/);
    assert.equal(row.request_id, "req-create-1");
    assert.ok(row.api_key_id);
    assert.deepEqual(row.detail, { type: "sepa", currency: "EUR" });
  }));
