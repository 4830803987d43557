import assert from "node:assert/strict";
import { createTestApp, withTestApp } from "../helpers/app.ts";
import { assertMethodNotAllowed, unknownAndMalformedIds } from "./error_fixtures.ts";
import {
  assertQueriesRefused,
  BAD_CURSORS,
  BAD_LIMITS,
  type IdPage,
  walkPages,
} from "./list_fixtures.ts";
import { assertFieldError, assertProblem } from "./payout_fixtures.ts";
import {
  auditRows,
  BIC,
  call,
  createRecipient,
  IBAN,
  keyWith,
  MASKED_IBAN,
  type Recipient,
  RECIPIENT_PATHS,
  revealingKey,
  sepaBody,
  testBody,
} from "./recipient_fixtures.ts";

Deno.test("GET answers under every prefix, slash or not, with the account masked", () =>
  withTestApp(async (t) => {
    const { recipient, etag } = await createRecipient(t);
    for (const template of RECIPIENT_PATHS) {
      const response = await call(t, "GET", template.replace("ID", recipient.id));
      assert.equal(response.status, 200, template);
      assert.equal(response.headers.get("etag"), etag);
      const body = await response.json() as Recipient;
      assert.deepEqual(body.account, { iban: MASKED_IBAN, bic: BIC });
      assert.doesNotMatch(JSON.stringify(body), /DE89|37040044/);
    }
    const upper = await call(t, "GET", `/api/recipients/${recipient.id.toUpperCase()}/`);
    assert.equal(upper.status, 200, "ids are case-insensitive");
    await upper.body?.cancel();
  }));

Deno.test("GET of an unknown or malformed id is a 404, never a 500", () =>
  withTestApp(async (t) => {
    for (const id of unknownAndMalformedIds("recipients")) {
      for (const tail of ["/", "/events/"]) {
        await assertProblem(await call(t, "GET", `/api/recipients/${id}${tail}`), 404);
      }
      await assertProblem(await call(t, "GET", `/api/recipients/${id}/?reveal=true`), 403);
    }
    const { headers } = await revealingKey(t);
    for (const id of unknownAndMalformedIds("recipients")) {
      await assertProblem(
        await call(t, "GET", `/api/recipients/${id}/?reveal=true`, undefined, headers),
        404,
      );
    }
  }));

Deno.test("GET ?reveal=true needs recipients:reveal: a 403 naming it, and nothing recorded", () =>
  withTestApp(async (t) => {
    const { recipient } = await createRecipient(t);
    const refused = await call(t, "GET", `/api/recipients/${recipient.id}/?reveal=true`);
    const problem = await assertProblem(refused, 403);
    assert.equal(problem.type, "/problems/missing_scope");
    assert.match(problem.detail, /recipients:reveal/);
    assert.deepEqual((await auditRows(t, recipient.id)).map((row) => row.action), ["created"]);

    const masked = await call(t, "GET", `/api/recipients/${recipient.id}/?reveal=false`);
    assert.deepEqual((await masked.json()).account, { iban: MASKED_IBAN, bic: BIC });
    const reader = await keyWith(t, ["recipients:read"]);
    const noReveal = await call(
      t,
      "GET",
      `/api/recipients/${recipient.id}/?reveal=true`,
      undefined,
      reader.headers,
    );
    await assertProblem(noReveal, 403);
    await assertFieldError(
      await call(t, "GET", `/api/recipients/${recipient.id}/?reveal=yes`),
      "reveal",
    );
  }));

Deno.test("GET ?reveal=true with recipients:reveal shows the account and records who saw it", () =>
  withTestApp(async (t) => {
    const { recipient, etag } = await createRecipient(t);
    const test = (await createRecipient(t, testBody())).recipient;
    const revealer = await revealingKey(t);
    const headers = { ...revealer.headers, "X-Request-Id": "req-reveal-42" };
    const response = await call(
      t,
      "GET",
      `/api/v1/recipients/${recipient.id}?reveal=true`,
      undefined,
      headers,
    );
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("etag"), etag);
    const body = await response.json() as Recipient;
    assert.deepEqual(body.account, { iban: IBAN, bic: BIC });
    const shownTest = await call(
      t,
      "GET",
      `/api/recipients/${test.id}/?reveal=true`,
      undefined,
      headers,
    );
    assert.deepEqual((await shownTest.json()).account, {
      account: "ACC-1234567890",
      branch: "north",
    });

    const rows = await auditRows(t, recipient.id);
    assert.deepEqual(rows.map((row) => row.action), ["created", "revealed"]);
    const revealed = rows[1];
    assert.equal(revealed.actor, `api:${revealer.name}`);
    assert.equal(revealed.request_id, "req-reveal-42");
    assert.ok(revealed.api_key_id);
    assert.ok(revealed.at instanceof Date);
    assert.doesNotMatch(JSON.stringify(revealed.detail), /DE89/);

    // The reveal is in the audit trail the API shows too.
    const events = await call(t, "GET", `/api/recipients/${recipient.id}/events/`);
    const { results } = await events.json();
    assert.deepEqual(results.map((e: { action: string }) => e.action), ["created", "revealed"]);
    assert.deepEqual(Object.keys(results[1]).sort(), [
      "action",
      "actor",
      "at",
      "detail",
      "request_id",
    ]);
    assert.equal(results[1].actor, `api:${revealer.name}`);
    assert.equal(results[1].request_id, "req-reveal-42");
  }));

Deno.test("GET lists newest first, masked, with a cursor that visits each recipient once", () =>
  withTestApp(async (t) => {
    const made: string[] = [];
    for (let i = 0; i < 7; i++) {
      made.push((await createRecipient(t, sepaBody({ name: `R ${i}` }))).recipient.id);
    }
    const list = async (query: string) =>
      await (await call(t, "GET", `/api/recipients/${query}`)).json() as IdPage & {
        results: Recipient[];
      };
    const first = await list("");
    assert.deepEqual(first.results.map((r) => r.id), [...made].reverse());
    assert.equal(first.next_cursor, null);
    for (const recipient of first.results) {
      assert.deepEqual(recipient.account, { iban: MASKED_IBAN, bic: BIC });
    }

    let added = 0;
    const { visited, pages } = await walkPages(list, 3, 10, async () => {
      // Created during the walk: never shifts a page.
      if (added++ < 2) await createRecipient(t);
    });
    assert.deepEqual(visited, [...made].reverse());
    assert.equal(pages, 3);
  }));

Deno.test("GET filters by type and currency (case-insensitive) and leaves deleted ones out", () =>
  withTestApp(async (t) => {
    const sepa = (await createRecipient(t)).recipient;
    const usd = (await createRecipient(t, testBody({ currency: "USD" }))).recipient;
    const any = (await createRecipient(t, testBody())).recipient;
    const gone = (await createRecipient(t, testBody({ currency: "USD" }))).recipient;
    await call(t, "DELETE", `/api/recipients/${gone.id}/`);
    const ids = async (query: string) =>
      ((await (await call(t, "GET", `/api/recipients/?${query}`)).json()).results as Recipient[])
        .map((r) => r.id);
    assert.deepEqual(await ids(""), [any.id, usd.id, sepa.id]);
    assert.deepEqual(await ids("type=sepa"), [sepa.id]);
    assert.deepEqual(await ids("type=test"), [any.id, usd.id]);
    assert.deepEqual(await ids("currency=usd"), [usd.id]);
    assert.deepEqual(await ids("currency=EUR&type=sepa"), [sepa.id]);
    assert.deepEqual(await ids("currency=EUR&type=test"), []);
  }));

Deno.test("GET refuses bad list parameters and unknown query parameters, naming them", async (ctx) => {
  const t = await createTestApp();
  try {
    const get = (query: string) => call(t, "GET", `/api/recipients/?${query}`);
    await assertQueriesRefused(ctx, [
      ...BAD_LIMITS,
      ...BAD_CURSORS,
      ["type=swift", "type"],
      ["currency=XTS", "currency"],
      ["status=pending", "status"],
      ["reveal=true", "reveal"],
    ], get);
    // A payout cursor is not a recipient cursor.
    await createRecipient(t);
    await createRecipient(t);
    await call(t, "POST", "/api/payouts/", {
      amount: "1",
      currency: "USD",
      recipient_details: { account: "A" },
    });
    await call(t, "POST", "/api/payouts/", {
      amount: "1",
      currency: "USD",
      recipient_details: { account: "B" },
    });
    const payouts = await (await call(t, "GET", "/api/payouts/?limit=1")).json();
    assert.ok(payouts.next_cursor);
    await assertFieldError(await get(`cursor=${payouts.next_cursor}`), "cursor");
    for (const path of ["/api/recipients/ID/?x=1", "/api/recipients/ID/events/?limit=1"]) {
      const { recipient } = await createRecipient(t);
      await assertFieldError(
        await call(t, "GET", path.replace("ID", recipient.id)),
        path.includes("x=") ? "x" : "limit",
      );
    }
  } finally {
    await t.close();
  }
});

Deno.test("a method no recipient route serves is a 405 listing the ones it does", () =>
  withTestApp(async (t) => {
    const id = crypto.randomUUID();
    for (const prefix of ["/api", "/api/v1"]) {
      for (const slash of ["", "/"]) {
        await assertMethodNotAllowed(t, "PUT", `${prefix}/recipients${slash}`, ["GET", "POST"]);
        await assertMethodNotAllowed(t, "DELETE", `${prefix}/recipients${slash}`, ["GET", "POST"]);
        await assertMethodNotAllowed(t, "POST", `${prefix}/recipients/${id}${slash}`, [
          "GET",
          "PATCH",
          "DELETE",
        ]);
        await assertMethodNotAllowed(t, "PUT", `${prefix}/recipients/${id}${slash}`, [
          "GET",
          "PATCH",
          "DELETE",
        ]);
        await assertMethodNotAllowed(t, "POST", `${prefix}/recipients/${id}/events${slash}`, [
          "GET",
        ]);
      }
    }
  }));

Deno.test("scopes: a read-only key reads but cannot write; a key without recipients scopes neither", () =>
  withTestApp(async (t) => {
    const { recipient } = await createRecipient(t);
    const reader = await keyWith(t, ["recipients:read"]);
    const read = await call(
      t,
      "GET",
      `/api/recipients/${recipient.id}/`,
      undefined,
      reader.headers,
    );
    assert.equal(read.status, 200);
    await read.body?.cancel();
    assert.equal((await call(t, "GET", "/api/recipients/", undefined, reader.headers)).status, 200);
    const writes: [string, string, unknown][] = [
      ["POST", "/api/recipients/", sepaBody()],
      ["PATCH", `/api/recipients/${recipient.id}/`, { name: "X" }],
      ["DELETE", `/api/recipients/${recipient.id}/`, undefined],
    ];
    for (const [method, path, body] of writes) {
      const problem = await assertProblem(await call(t, method, path, body, reader.headers), 403);
      assert.match(problem.detail, /recipients:write/);
    }
    const payoutsOnly = await keyWith(t, ["payouts:read", "payouts:write"]);
    for (
      const path of [
        "/api/recipients/",
        `/api/recipients/${recipient.id}/`,
        `/api/recipients/${recipient.id}/events/`,
      ]
    ) {
      const problem = await assertProblem(
        await call(t, "GET", path, undefined, payoutsOnly.headers),
        403,
      );
      assert.match(problem.detail, /recipients:read/);
    }
    const [row] = await t.db.sql`select name, version from recipients where id = ${recipient.id}`;
    assert.deepEqual({ ...row }, { name: "Ada Lovelace", version: 1 }, "nothing was written");
    // Without a key at all: 401 before anything else.
    const anonymous = await t.request("/api/recipients/", { method: "POST", body: "{}" });
    await assertProblem(anonymous, 401);
    assert.match(anonymous.headers.get("www-authenticate") ?? "", /^Bearer/);
  }));
