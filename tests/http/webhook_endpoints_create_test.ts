import assert from "node:assert/strict";
import { insertEndpoint } from "../../src/webhooks/webhook_endpoints.repository.ts";
import { withTestApp } from "../helpers/app.ts";
import { assertFieldError, assertProblem } from "./payout_fixtures.ts";
import {
  call,
  COLLECTION_PATHS,
  createEndpoint,
  endpointBody,
  expectJson,
  postEndpoint,
  PUBLIC_URL,
} from "./webhook_endpoint_fixtures.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** The bytes a `whsec_` secret carries. */
function secretBytes(secret: string): number {
  assert.match(secret, /^whsec_[A-Za-z0-9+/]+={0,2}$/);
  return atob(secret.slice("whsec_".length)).length;
}

Deno.test("POST creates an enabled endpoint: 201, Location and the endpoint with its secret", () =>
  withTestApp(async (t) => {
    const response = await postEndpoint(t, endpointBody());
    assert.equal(response.status, 201);
    assert.equal(response.headers.get("content-type"), "application/json");
    const body = await response.json();
    assert.deepEqual(Object.keys(body), [
      "id",
      "url",
      "events",
      "description",
      "status",
      "disabled_reason",
      "created_at",
      "updated_at",
      "secret",
    ]);
    assert.match(body.id, UUID);
    assert.equal(body.url, PUBLIC_URL);
    assert.deepEqual(body.events, ["payout.completed", "payout.failed"]);
    assert.equal(body.description, "Ledger sync");
    assert.equal(body.status, "enabled");
    assert.equal(body.disabled_reason, null);
    assert.match(body.created_at, RFC3339_UTC);
    assert.equal(body.updated_at, body.created_at);
    assert.ok(secretBytes(body.secret) >= 24, "at least 24 random bytes");
    assert.equal(response.headers.get("location"), `/api/webhook-endpoints/${body.id}/`);

    const [row] = await t.db.sql`
      select secret, previous_secret, api_key_id, deleted_at from webhook_endpoints
      where id = ${body.id}
    `;
    assert.equal(row.secret, body.secret, "the secret answered is the one stored");
    assert.equal(row.previous_secret, null);
    assert.equal(row.deleted_at, null);
    const [key] = await t.db.sql`select id from api_keys order by created_at limit 1`;
    assert.equal(row.api_key_id, key.id, "the creating key is recorded");

    const { secret: _, ...visible } = body;
    const read = await expectJson(await call(t, "GET", `/api/webhook-endpoints/${body.id}/`), 200);
    assert.deepEqual(read, visible, "GET shows the endpoint without its secret");
  }));

Deno.test("POST gives every endpoint its own secret, shown in no other answer", () =>
  withTestApp(async (t) => {
    const first = await createEndpoint(t);
    const second = await createEndpoint(t);
    assert.notEqual(first.secret, second.secret);
    const list = await call(t, "GET", "/api/webhook-endpoints/");
    const text = await list.text();
    assert.equal(list.status, 200);
    for (const secret of [first.secret, second.secret]) assert.ok(!text.includes(secret));
    assert.ok(!text.includes("whsec_"), "no secret in the list");
    const one = await (await call(t, "GET", `/api/webhook-endpoints/${first.id}/`)).text();
    assert.ok(!one.includes("whsec_") && !one.includes('"secret"'), "no secret in GET");
  }));

Deno.test("POST Location uses the prefix the request used", () =>
  withTestApp(async (t) => {
    for (const path of COLLECTION_PATHS) {
      const response = await postEndpoint(t, endpointBody(), path);
      const { id } = await expectJson<{ id: string }>(response, 201);
      const prefix = path.startsWith("/api/v1") ? "/api/v1" : "/api";
      assert.equal(response.headers.get("location"), `${prefix}/webhook-endpoints/${id}/`, path);
      const followed = await call(t, "GET", response.headers.get("location")!);
      assert.equal(followed.status, 200);
      await followed.body?.cancel();
    }
  }));

Deno.test("POST accepts each payout event type, several at once, or * alone", (ctx) =>
  withTestApp(async (t) => {
    const accepted = [
      ["payout.created"],
      ["payout.updated"],
      ["payout.canceled"],
      ["payout.processing"],
      ["payout.completed"],
      ["payout.failed"],
      ["payout.failed", "payout.created"],
      ["*"],
    ];
    for (const events of accepted) {
      await ctx.step(events.join(","), async () => {
        const endpoint = await createEndpoint(t, { events });
        assert.deepEqual(endpoint.events, events, "kept as sent, in order");
      });
    }
  }));

Deno.test("POST rejects events that are empty, repeated, unknown or * mixed with types", (ctx) =>
  withTestApp(async (t) => {
    const rejected: [string, unknown, string][] = [
      ["empty", [], "events"],
      ["a duplicate", ["payout.failed", "payout.failed"], "events"],
      ["* twice", ["*", "*"], "events"],
      ["* with a type", ["*", "payout.created"], "events"],
      ["a type with *", ["payout.created", "*"], "events"],
      ["an unknown type", ["payout.created", "payout.exploded"], "events.1"],
      ["the test type", ["webhook.test"], "events.0"],
      ["another case", ["PAYOUT.CREATED"], "events.0"],
      ["not a string", [1], "events.0"],
      ["a string", "payout.created", "events"],
      ["null", null, "events"],
      ["missing", undefined, "events"],
      ["too many", Array(33).fill("payout.created"), "events"],
    ];
    for (const [name, events, path] of rejected) {
      await ctx.step(name, async () => {
        await assertFieldError(await postEndpoint(t, endpointBody({ events })), path);
      });
    }
    const [{ n }] = await t.db.sql`select count(*)::int as n from webhook_endpoints`;
    assert.equal(n, 0, "nothing rejected was stored");
  }));

Deno.test("POST validates description: optional, a string, at most 255 code points", (ctx) =>
  withTestApp(async (t) => {
    const sent = "  Ledger\nsync \u00e9 ";
    assert.equal((await createEndpoint(t, { description: sent })).description, sent);
    assert.equal((await createEndpoint(t, { description: undefined })).description, "");
    assert.equal(
      (await createEndpoint(t, { description: "\u{1F600}".repeat(255) })).description.length,
      510,
      "255 code points of two UTF-16 units each",
    );
    for (const description of ["x".repeat(256), "\u{1F600}".repeat(256), null, 42, ["a"], {}]) {
      await ctx.step(JSON.stringify(description).slice(0, 20), async () => {
        await assertFieldError(await postEndpoint(t, endpointBody({ description })), "description");
      });
    }
  }));

Deno.test("POST rejects unknown and read-only fields, naming each", (ctx) =>
  withTestApp(async (t) => {
    const readOnly = ["id", "status", "disabled_reason", "secret", "created_at", "updated_at"];
    for (const field of readOnly) {
      await ctx.step(field, async () => {
        const body = await assertFieldError(
          await postEndpoint(t, endpointBody({ [field]: "x" })),
          field,
        );
        assert.equal(body.errors!.find((e) => e.path === field)!.message, "is read-only");
      });
    }
    for (const field of ["amount", "Url", "filter", "failure_reason"]) {
      await ctx.step(field, async () => {
        const body = await assertFieldError(
          await postEndpoint(t, endpointBody({ [field]: "x" })),
          field,
        );
        assert.equal(body.errors!.find((e) => e.path === field)!.message, "is not a known field");
      });
    }
    await ctx.step("several at once are each named", async () => {
      const body = await assertProblem(
        await postEndpoint(t, endpointBody({ secret: "whsec_x", status: "disabled", foo: 1 })),
        400,
      );
      assert.deepEqual(body.errors!.map((error) => error.path).sort(), ["foo", "secret", "status"]);
    });
    const [{ n }] = await t.db.sql`select count(*)::int as n from webhook_endpoints`;
    assert.equal(n, 0, "nothing rejected was stored");
  }));

Deno.test("POST answers 400, never 500, for bodies that are not an endpoint object", (ctx) =>
  withTestApp(async (t) => {
    const bodies = ["null", "[]", '"x"', "1", "{}", '{"url": 1, "events": ["*"]}', "{"];
    for (const body of bodies) {
      await ctx.step(body, async () => {
        await assertProblem(await postEndpoint(t, body), 400);
      });
    }
    await assertFieldError(await postEndpoint(t, endpointBody({ url: undefined })), "url");
    await assertFieldError(await postEndpoint(t, endpointBody({ url: null })), "url");
  }));

Deno.test("a new endpoint's updated_at is its created_at, to the microsecond", () =>
  withTestApp(async (t) => {
    // Two reads of the clock for one row differ by a microsecond for a few rows in a hundred.
    for (let i = 0; i < 100; i++) {
      await insertEndpoint(t.db.sql, {
        url: PUBLIC_URL,
        events: ["*"],
        description: `endpoint ${i}`,
        secret: `whsec_${btoa("0123456789abcdef0123456789abcdef")}`,
        apiKeyId: null,
      });
    }
    const [row] = await t.db.sql<{ differing: number }[]>`
      select count(*) filter (where updated_at <> created_at)::int as differing
      from webhook_endpoints
    `;
    assert.equal(row.differing, 0);
  }));
