import assert from "node:assert/strict";
import { type TestApp, withTestApp } from "../helpers/app.ts";
import { assertFieldError, assertProblem } from "./payout_fixtures.ts";
import { unknownAndMalformedIds } from "./error_fixtures.ts";
import {
  call,
  COLLECTION_PATHS,
  createEndpoint,
  type Endpoint,
  expectJson,
} from "./webhook_endpoint_fixtures.ts";
import { assertQueriesRefused, BAD_CURSORS, BAD_LIMITS, walkPages } from "./list_fixtures.ts";

type Page = { results: Endpoint[]; next_cursor: string | null };

async function list(t: TestApp, query = ""): Promise<Page> {
  return await expectJson<Page>(await call(t, "GET", `/api/webhook-endpoints/${query}`), 200);
}

Deno.test("GET one returns the endpoint under every prefix and slash, any id case", () =>
  withTestApp(async (t) => {
    const { secret: _, ...endpoint } = await createEndpoint(t);
    for (const prefix of ["/api", "/api/v1"]) {
      for (const slash of ["", "/"]) {
        const path = `${prefix}/webhook-endpoints/${endpoint.id}${slash}`;
        assert.deepEqual(await expectJson(await call(t, "GET", path), 200), endpoint, path);
      }
    }
    const upper = await call(t, "GET", `/api/webhook-endpoints/${endpoint.id.toUpperCase()}/`);
    assert.equal((await expectJson<Endpoint>(upper, 200)).id, endpoint.id);
  }));

Deno.test("GET one is a 404 problem for unknown and malformed ids, never a 500", () =>
  withTestApp(async (t) => {
    const ids = [
      ...unknownAndMalformedIds("webhook_endpoints"),
      "msg_2f1d9c0e6b4a4e8f9a7b3c5d1e0f2a4b",
    ];
    for (const id of ids) {
      const body = await assertProblem(await call(t, "GET", `/api/webhook-endpoints/${id}/`), 404);
      assert.match(body.detail, /webhook endpoint/, "a webhook 404 speaks of endpoints");
    }
  }));

Deno.test("GET list returns endpoints newest first, 20 by default, without secrets", () =>
  withTestApp(async (t) => {
    assert.deepEqual(await list(t), { results: [], next_cursor: null });
    const created: string[] = [];
    for (let i = 0; i < 23; i++) created.push((await createEndpoint(t)).id);
    for (const path of COLLECTION_PATHS) {
      const page = await expectJson<Page>(await call(t, "GET", path), 200);
      assert.deepEqual(page.results.map((e) => e.id), created.toReversed().slice(0, 20), path);
      assert.equal(typeof page.next_cursor, "string");
      assert.ok(page.results.every((e) => !("secret" in e)));
    }
    const full = await list(t, "?limit=100");
    assert.deepEqual(full.results.map((e) => e.id), created.toReversed());
    assert.equal(full.next_cursor, null, "null on the last page");
    const exact = await list(t, "?limit=23");
    assert.equal(exact.next_cursor, null, "null when the page ends exactly at the last one");
  }));

Deno.test("GET list cursor walk visits every endpoint exactly once while new ones are created", () =>
  withTestApp(async (t) => {
    const original = new Set<string>();
    for (let i = 0; i < 17; i++) original.add((await createEndpoint(t)).id);
    const { visited, pages } = await walkPages(
      (query) => list(t, query),
      5,
      20,
      () => createEndpoint(t),
    );
    assert.equal(new Set(visited).size, visited.length, "no endpoint is visited twice");
    assert.deepEqual(new Set(visited), original, "exactly the endpoints there at the start");
    assert.equal(pages, 4, "17 endpoints in pages of 5");
  }));

Deno.test("GET list hides deleted endpoints", () =>
  withTestApp(async (t) => {
    const kept = await createEndpoint(t);
    const deleted = await createEndpoint(t);
    assert.equal((await call(t, "DELETE", `/api/webhook-endpoints/${deleted.id}/`)).status, 204);
    assert.deepEqual((await list(t)).results.map((e) => e.id), [kept.id]);
  }));

Deno.test("GET list rejects a bad limit or cursor and unknown parameters with a 400 naming them", (ctx) =>
  withTestApp(async (t) => {
    await createEndpoint(t);
    await assertQueriesRefused(ctx, [
      ...BAD_LIMITS,
      ...BAD_CURSORS,
      [`cursor=${btoa("e1.1.not-a-uuid")}`, "cursor"],
      [`cursor=${btoa(`v1.1.${crypto.randomUUID()}`)}`, "cursor"],
      ["status=enabled", "status"],
      ["offset=10", "offset"],
    ], (query) => call(t, "GET", `/api/webhook-endpoints/?${query}`));
    await ctx.step("a payout cursor is not an endpoint cursor", async () => {
      const payouts = async () => {
        const response = await call(t, "POST", "/api/payouts/", {
          amount: "1.00",
          currency: "USD",
          recipient_details: { account: "A" },
        });
        assert.equal(response.status, 201);
        await response.body?.cancel();
      };
      await payouts();
      await payouts();
      const page = await expectJson<{ next_cursor: string }>(
        await call(t, "GET", "/api/payouts/?limit=1"),
        200,
      );
      await assertFieldError(
        await call(t, "GET", `/api/webhook-endpoints/?cursor=${page.next_cursor}`),
        "cursor",
      );
    });
    await ctx.step("GET one takes no query parameters", async () => {
      const [endpoint] = (await list(t)).results;
      await assertFieldError(
        await call(t, "GET", `/api/webhook-endpoints/${endpoint.id}/?x=1`),
        "x",
      );
    });
  }));
