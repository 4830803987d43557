import assert from "node:assert/strict";
import { createTestApp, withTestApp } from "../helpers/app.ts";
import { unknownAndMalformedIds } from "./error_fixtures.ts";
import { assertFieldError, assertProblem } from "./payout_fixtures.ts";
import {
  auditRows,
  BIC,
  call,
  createRecipient,
  FR_IBAN,
  MASKED_IBAN,
  type Recipient,
  RECIPIENT_PATHS,
  sepaBody,
  testBody,
} from "./recipient_fixtures.ts";

const patch = (t: Parameters<typeof call>[0], id: string, body: unknown, headers = {}) =>
  call(t, "PATCH", `/api/recipients/${id}/`, body, { ...t.headers, ...headers });

Deno.test("PATCH changes the fields given, answers masked with a new ETag, and is audited", () =>
  withTestApp(async (t) => {
    const { recipient, etag } = await createRecipient(t, sepaBody({ metadata: { a: "1" } }));
    const response = await patch(t, recipient.id, {
      name: " Ada King ",
      account: { iban: "fr14 2004 1010 0505 0001 3m02 606", bic: "BNPAFRPP" },
      metadata: { b: "2" },
    }, { "X-Request-Id": "req-patch-1" });
    assert.equal(response.status, 200);
    const body = await response.json() as Recipient;
    assert.equal(body.name, "Ada King");
    assert.deepEqual(body.account, { iban: "•••• 2606", bic: "BNPAFRPP" });
    assert.deepEqual(body.metadata, { b: "2" }, "metadata is replaced whole");
    assert.equal(body.currency, "EUR");
    assert.equal(body.created_at, recipient.created_at);
    assert.ok(body.updated_at > recipient.updated_at);
    const newEtag = response.headers.get("etag");
    assert.ok(newEtag && newEtag !== etag);
    const [row] = await t.db.sql`select account from recipients where id = ${recipient.id}`;
    assert.deepEqual(row.account, { iban: FR_IBAN, bic: "BNPAFRPP" });

    const rows = await auditRows(t, recipient.id);
    assert.deepEqual(rows.map((r) => r.action), ["created", "updated"]);
    assert.deepEqual(rows[1].detail, { changes: { name: true, account: true, metadata: true } });
    assert.equal(rows[1].request_id, "req-patch-1");

    // Every path form answers.
    for (const template of RECIPIENT_PATHS) {
      const again = await call(t, "PATCH", template.replace("ID", recipient.id), { name: "N" });
      assert.equal(again.status, 200, template);
      await again.body?.cancel();
    }
  }));

Deno.test("PATCH judges the account against the recipient's type and keeps sepa in EUR", async (ctx) => {
  const t = await createTestApp();
  try {
    const sepa = (await createRecipient(t)).recipient;
    const test = (await createRecipient(t, testBody({ currency: "USD" }))).recipient;
    const cases: [string, string, unknown, string][] = [
      ["a bad checksum", sepa.id, { account: { iban: "DE89370400440532013001" } }, "account.iban"],
      [
        "a BIC of another country",
        sepa.id,
        { account: { iban: FR_IBAN, bic: BIC } },
        "account.bic",
      ],
      ["a test account on sepa", sepa.id, { account: { account: "T-1" } }, "account.account"],
      ["a sepa account on test", test.id, { account: { iban: FR_IBAN } }, "account.account"],
      ["an account that is not an object", sepa.id, { account: "DE89" }, "account"],
      ["a sepa currency other than EUR", sepa.id, { currency: "USD" }, "currency"],
      ["no currency for sepa", sepa.id, { currency: null }, "currency"],
      ["an unknown currency", test.id, { currency: "XXX" }, "currency"],
      ["a blank name", sepa.id, { name: " " }, "name"],
      ["a long name", sepa.id, { name: "n".repeat(71) }, "name"],
      ["the type", sepa.id, { type: "test" }, "type"],
      ["a read-only id", sepa.id, { id: crypto.randomUUID() }, "id"],
      ["an unknown field", sepa.id, { iban: FR_IBAN }, "iban"],
      ["nothing", sepa.id, {}, ""],
    ];
    for (const [name, id, body, path] of cases) {
      await ctx.step(name, async () => {
        const problem = await assertFieldError(await patch(t, id, body), path);
        if (path === "type") assert.equal(problem.errors![0].message, "is read-only");
      });
    }
    await ctx.step("nothing changed", async () => {
      const rows = await t.db.sql`select version from recipients`;
      assert.deepEqual(rows.map((r) => r.version), [1, 1]);
    });
    await ctx.step("a test recipient may lose or change its currency", async () => {
      const any = await (await patch(t, test.id, { currency: null })).json();
      assert.equal(any.currency, null);
      const jpy =
        await (await patch(t, test.id, { currency: "jpy", account: { account: "JP-44110000" } }))
          .json();
      assert.equal(jpy.currency, "JPY");
      assert.deepEqual(jpy.account, { account: "•••• 0000" });
    });
  } finally {
    await t.close();
  }
});

Deno.test("PATCH and DELETE honour If-Match: a stale ETag is a 412 carrying the current one", () =>
  withTestApp(async (t) => {
    const { recipient, etag } = await createRecipient(t);
    const stale = await patch(t, recipient.id, { name: "B" }, { "If-Match": '"0000-1"' });
    await assertProblem(stale, 412);
    assert.equal(stale.headers.get("etag"), etag);
    const ok = await patch(t, recipient.id, { name: "B" }, { "If-Match": `"x", ${etag}` });
    assert.equal(ok.status, 200);
    const current = ok.headers.get("etag")!;
    await ok.body?.cancel();
    const old = await patch(t, recipient.id, { name: "C" }, { "If-Match": etag });
    await assertProblem(old, 412);
    const weak = await patch(t, recipient.id, { name: "C" }, { "If-Match": `W/${current}` });
    await assertProblem(weak, 412);
    const any = await patch(t, recipient.id, { name: "C" }, { "If-Match": "*" });
    assert.equal(any.status, 200);
    const latest = any.headers.get("etag")!;
    await any.body?.cancel();

    const refusedDelete = await call(t, "DELETE", `/api/recipients/${recipient.id}/`, undefined, {
      ...t.headers,
      "If-Match": current,
    });
    await assertProblem(refusedDelete, 412);
    assert.equal(refusedDelete.headers.get("etag"), latest);
    const deleted = await call(t, "DELETE", `/api/recipients/${recipient.id}/`, undefined, {
      ...t.headers,
      "If-Match": latest,
    });
    assert.equal(deleted.status, 204);
  }));

Deno.test("PATCH checks in the order 400, 404, 412 for a malformed body, an unknown id, a stale ETag", () =>
  withTestApp(async (t) => {
    const { recipient } = await createRecipient(t);
    const unknown = crypto.randomUUID();
    await assertProblem(await patch(t, unknown, { nickname: "x" }, { "If-Match": '"x"' }), 400);
    await assertProblem(await patch(t, unknown, { name: "x" }, { "If-Match": '"x"' }), 404);
    await assertProblem(await patch(t, recipient.id, { name: "x" }, { "If-Match": '"x"' }), 412);
  }));

Deno.test("concurrent PATCHes of different fields both land", () =>
  withTestApp(async (t) => {
    const { recipient } = await createRecipient(t);
    const results = await Promise.all([
      patch(t, recipient.id, { name: "Both" }),
      patch(t, recipient.id, { metadata: { both: "yes" } }),
    ]);
    for (const response of results) {
      assert.equal(response.status, 200);
      await response.body?.cancel();
    }
    const body = await (await call(t, "GET", `/api/recipients/${recipient.id}/`)).json();
    assert.equal(body.name, "Both");
    assert.deepEqual(body.metadata, { both: "yes" });
    const [{ version }] = await t.db.sql`select version from recipients where id = ${recipient.id}`;
    assert.equal(version, 3);
  }));

Deno.test("DELETE removes the recipient from the API (404 after), keeps its row, and is audited", () =>
  withTestApp(async (t) => {
    const { recipient } = await createRecipient(t);
    const deleted = await call(t, "DELETE", `/api/v1/recipients/${recipient.id}`);
    assert.equal(deleted.status, 204);
    assert.equal(await deleted.text(), "");
    for (
      const [method, path, body] of [
        ["GET", `/api/recipients/${recipient.id}/`, undefined],
        ["GET", `/api/recipients/${recipient.id}/events/`, undefined],
        ["PATCH", `/api/recipients/${recipient.id}/`, { name: "X" }],
        ["DELETE", `/api/recipients/${recipient.id}/`, undefined],
      ] as const
    ) {
      await assertProblem(await call(t, method, path, body), 404);
    }
    const list = await (await call(t, "GET", "/api/recipients/")).json();
    assert.deepEqual(list.results, []);
    const [row] = await t.db.sql`
      select deleted_at, account from recipients where id = ${recipient.id}
    `;
    assert.ok(row.deleted_at, "the row stays, marked deleted");
    assert.equal(row.account.iban, "DE89370400440532013000");
    assert.deepEqual((await auditRows(t, recipient.id)).map((r) => r.action), [
      "created",
      "deleted",
    ]);
    for (const id of unknownAndMalformedIds("recipients")) {
      await assertProblem(await call(t, "DELETE", `/api/recipients/${id}/`), 404);
      await assertProblem(await call(t, "PATCH", `/api/recipients/${id}/`, { name: "x" }), 404);
    }
  }));

Deno.test("the masked answers of POST, GET, list and PATCH never carry the account number", () =>
  withTestApp(async (t) => {
    const { recipient } = await createRecipient(t);
    const answers = [
      await call(t, "GET", `/api/recipients/${recipient.id}/`),
      await call(t, "GET", "/api/recipients/"),
      await patch(t, recipient.id, { name: "Z" }),
      await call(t, "GET", `/api/recipients/${recipient.id}/events/`),
    ];
    for (const answer of answers) {
      const text = await answer.text();
      assert.equal(answer.status, 200, text);
      assert.doesNotMatch(text, /DE89|370400440532/);
    }
    assert.deepEqual(recipient.account, { iban: MASKED_IBAN, bic: BIC });
  }));
