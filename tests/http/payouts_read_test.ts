import assert from "node:assert/strict";
import { type TestApp, withTestApp } from "../helpers/app.ts";
import { assertProblem, createPayout } from "./payout_fixtures.ts";
import { unknownAndMalformedIds } from "./error_fixtures.ts";
import {
  assertQueriesRefused,
  BAD_CURSORS,
  BAD_LIMITS,
  type BadQuery,
  walkPages,
} from "./list_fixtures.ts";

type Page = { results: { id: string; status: string; currency: string }[]; next_cursor: string };

async function list(t: TestApp, query = ""): Promise<Page> {
  const response = await t.request(`/api/payouts/${query}`, { headers: t.headers });
  const body = await response.json();
  assert.equal(response.status, 200, JSON.stringify(body));
  return body;
}

Deno.test("GET one returns the payout with its ETag, under every prefix and slash", () =>
  withTestApp(async (t) => {
    const { payout, etag } = await createPayout(t);
    for (const prefix of ["/api", "/api/v1"]) {
      for (const slash of ["", "/"]) {
        const response = await t.request(`${prefix}/payouts/${payout.id}${slash}`, {
          headers: t.headers,
        });
        assert.equal(response.status, 200, `${prefix} ${slash}`);
        assert.equal(response.headers.get("etag"), etag);
        assert.deepEqual(await response.json(), payout);
      }
    }
    const upper = await t.request(`/api/payouts/${payout.id.toUpperCase()}/`, {
      headers: t.headers,
    });
    assert.equal(upper.status, 200, "a UUID is case-insensitive");
    assert.equal((await upper.json()).id, payout.id);
  }));

Deno.test("GET one is a 404 problem for unknown and malformed ids, never a 500", () =>
  withTestApp(async (t) => {
    const ids = [
      ...unknownAndMalformedIds("payouts"),
      "1 OR 1=1".replaceAll(" ", "%20"),
      "..%2F..%2Fetc",
      encodeURIComponent("\u{1F600}"),
    ];
    for (const id of ids) {
      const response = await t.request(`/api/payouts/${id}/`, { headers: t.headers });
      const body = await assertProblem(response, 404);
      assert.equal(body.status, 404, id.slice(0, 40));
    }
    const rows = await t.db.sql`select to_regclass('payouts') as still_there`;
    assert.equal(rows[0].still_there, "payouts");
  }));

Deno.test("GET list returns payouts newest first, 20 by default", () =>
  withTestApp(async (t) => {
    const empty = await list(t);
    assert.deepEqual(empty, { results: [], next_cursor: null });

    const created: string[] = [];
    for (let i = 0; i < 23; i++) created.push((await createPayout(t)).payout.id);
    for (const path of ["/api/payouts", "/api/payouts/", "/api/v1/payouts", "/api/v1/payouts/"]) {
      const response = await t.request(path, { headers: t.headers });
      assert.equal(response.status, 200, path);
      const page = await response.json();
      assert.deepEqual(
        page.results.map((p: { id: string }) => p.id),
        created.toReversed().slice(0, 20),
      );
      assert.equal(typeof page.next_cursor, "string");
    }
    const full = await list(t, "?limit=100");
    assert.deepEqual(full.results.map((p) => p.id), created.toReversed());
    assert.equal(full.next_cursor, null, "null on the last page");
    const exact = await list(t, "?limit=23");
    assert.equal(exact.results.length, 23);
    assert.equal(exact.next_cursor, null, "null when the page ends exactly at the last payout");
    const one = await list(t, "?limit=1");
    assert.deepEqual(one.results.map((p) => p.id), [created.at(-1)]);
  }));

Deno.test("GET list rejects a bad limit, status, currency or cursor with a 400 naming it", (ctx) =>
  withTestApp(async (t) => {
    await createPayout(t);
    const cases: BadQuery[] = [
      ...BAD_LIMITS,
      ["limit=1e1", "limit"],
      ["limit=%201", "limit"],
      ["status=canceled", "status"],
      ["status=PENDING", "status"],
      ["status=done", "status"],
      ["status=", "status"],
      ["currency=XAU", "currency"],
      ["currency=dollars", "currency"],
      ["currency=", "currency"],
      ...BAD_CURSORS,
      [`cursor=${btoa("v1.1.not-a-uuid")}`, "cursor"],
      ["sort=amount", "sort"],
      ["offset=10", "offset"],
      ["page=2", "page"],
      ["LIMIT=10", "LIMIT"],
    ];
    await assertQueriesRefused(
      ctx,
      cases,
      (query) => t.request(`/api/payouts/?${query}`, { headers: t.headers }),
    );
    await ctx.step("an encoded lone surrogate or NUL is a 400, not a 500", async () => {
      for (const query of ["status=%ED%A0%80", "currency=US%00", "%00=1", "limit=%E0%A4%A"]) {
        const response = await t.request(`/api/payouts/?${query}`, { headers: t.headers });
        await assertProblem(response, 400);
      }
    });
  }));

Deno.test("GET list filters by status and by currency, case-insensitively", () =>
  withTestApp(async (t) => {
    const usd = (await createPayout(t, { currency: "USD" })).payout.id;
    const jpy = (await createPayout(t, { currency: "JPY", amount: "500" })).payout.id;
    const done = (await createPayout(t, { currency: "USD" })).payout.id;
    await t.db.sql`update payouts set status = 'completed' where id = ${done}`;

    assert.deepEqual((await list(t, "?currency=jpy")).results.map((p) => p.id), [jpy]);
    assert.deepEqual((await list(t, "?currency=JPY")).results.map((p) => p.id), [jpy]);
    assert.deepEqual((await list(t, "?currency=usd")).results.map((p) => p.id), [done, usd]);
    assert.deepEqual((await list(t, "?currency=EUR")).results, []);
    assert.deepEqual((await list(t, "?status=completed")).results.map((p) => p.id), [done]);
    assert.deepEqual((await list(t, "?status=pending")).results.map((p) => p.id), [jpy, usd]);
    assert.deepEqual(
      (await list(t, "?status=pending&currency=Usd")).results.map((p) => p.id),
      [usd],
    );
    assert.deepEqual((await list(t, "?status=failed")).results, []);
  }));

Deno.test("GET list follows filters across pages", () =>
  withTestApp(async (t) => {
    const eur: string[] = [];
    for (let i = 0; i < 5; i++) {
      eur.push((await createPayout(t, { currency: "EUR" })).payout.id);
      await createPayout(t, { currency: "GBP" });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?currency=eur&limit=2${cursor ? `&cursor=${cursor}` : ""}`;
      const page = await list(t, query);
      assert.ok(page.results.every((p) => p.currency === "EUR"));
      seen.push(...page.results.map((p) => p.id));
      cursor = page.next_cursor;
    } while (cursor);
    assert.deepEqual(seen, eur.toReversed());
  }));

Deno.test("GET list cursor walk visits every payout exactly once while new ones are created", () =>
  withTestApp(async (t) => {
    const original = new Set<string>();
    for (let i = 0; i < 45; i++) original.add((await createPayout(t)).payout.id);

    // New payouts arrive between pages; they must neither repeat nor shift old ones.
    const { visited, pages } = await walkPages((query) => list(t, query), 7, 50, async () => {
      for (let i = 0; i < 3; i++) await createPayout(t);
    });

    assert.equal(new Set(visited).size, visited.length, "no payout is visited twice");
    const visitedOriginal = visited.filter((id) => original.has(id));
    assert.equal(visitedOriginal.length, 45, "every original payout is visited");
    assert.equal(new Set(visitedOriginal).size, 45);
    assert.equal(pages, 7, "45 payouts in pages of 7");
  }));

Deno.test("GET list hides canceled payouts", () =>
  withTestApp(async (t) => {
    const kept = (await createPayout(t)).payout.id;
    const canceled = (await createPayout(t)).payout.id;
    const response = await t.request(`/api/payouts/${canceled}/`, {
      method: "DELETE",
      headers: t.headers,
    });
    assert.equal(response.status, 204);
    assert.deepEqual((await list(t)).results.map((p) => p.id), [kept]);
    assert.deepEqual((await list(t, "?currency=USD")).results.map((p) => p.id), [kept]);
    assert.deepEqual((await list(t, "?status=pending")).results.map((p) => p.id), [kept]);
  }));
