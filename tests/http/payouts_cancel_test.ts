import assert from "node:assert/strict";
import { type TestApp, withTestApp } from "../helpers/app.ts";
import {
  assertProblem,
  createPayout,
  createPayoutIn,
  LEFT_PENDING,
  PAYOUT_PATHS,
} from "./payout_fixtures.ts";

async function cancel(t: TestApp, id: string, headers: Record<string, string> = {}) {
  return await t.request(`/api/payouts/${id}/`, {
    method: "DELETE",
    headers: { Authorization: t.headers.Authorization, ...headers },
  });
}

Deno.test("DELETE cancels a pending payout: 204, gone from the API, kept in the database", () =>
  withTestApp(async (t) => {
    const { payout } = await createPayout(t);
    const response = await cancel(t, payout.id);
    assert.equal(response.status, 204);
    assert.equal(await response.text(), "");

    await assertProblem(await t.request(`/api/payouts/${payout.id}/`, { headers: t.headers }), 404);
    await assertProblem(
      await t.request(`/api/payouts/${payout.id}/events/`, { headers: t.headers }),
      404,
    );
    const listed = await t.request("/api/payouts/", { headers: t.headers });
    assert.deepEqual((await listed.json()).results, []);

    const rows = await t.db.sql`select status, amount::text from payouts where id = ${payout.id}`;
    assert.deepEqual([...rows], [{ status: "canceled", amount: "125.5000" }]);
    const events = await t.db.sql`
      select type, from_status, to_status, actor from payout_events
      where payout_id = ${payout.id} order by id
    `;
    assert.deepEqual(events.map((e) => e.type), ["created", "canceled"]);
    assert.equal(events[1].from_status, "pending");
    assert.equal(events[1].to_status, "canceled");
    assert.match(events[1].actor, /^api:/);

    await assertProblem(await cancel(t, payout.id), 404);
    const again = await t.db.sql`
      select count(*)::int as n from payout_events where payout_id = ${payout.id}
    `;
    assert.equal(again[0].n, 2, "a second DELETE records nothing");
  }));

Deno.test("DELETE answers under both prefixes, with and without a trailing slash", () =>
  withTestApp(async (t) => {
    for (const path of PAYOUT_PATHS) {
      const { payout } = await createPayout(t);
      const response = await t.request(path.replace("ID", payout.id), {
        method: "DELETE",
        headers: t.headers,
      });
      assert.equal(response.status, 204, path);
    }
  }));

Deno.test("DELETE returns 409 once the payout has left pending, and changes nothing", () =>
  withTestApp(async (t) => {
    for (const status of LEFT_PENDING) {
      const payout = await createPayoutIn(t, status);
      const body = await assertProblem(await cancel(t, payout.id), 409);
      assert.match(body.detail, new RegExp(status));
      const [row] = await t.db.sql`select status from payouts where id = ${payout.id}`;
      assert.equal(row.status, status);
    }
  }));

Deno.test("DELETE is a 404 for unknown and malformed ids", () =>
  withTestApp(async (t) => {
    for (const id of [crypto.randomUUID(), "abc", "x".repeat(10_000), "%ED%A0%80"]) {
      await assertProblem(await cancel(t, id), 404);
    }
  }));

Deno.test("DELETE honours If-Match: a mismatch is a 412 carrying the current ETag", () =>
  withTestApp(async (t) => {
    const { payout, etag } = await createPayout(t);
    const patched = await t.request(`/api/payouts/${payout.id}/`, {
      method: "PATCH",
      headers: t.headers,
      body: JSON.stringify({ description: "changed" }),
    });
    const current = patched.headers.get("etag")!;
    await patched.body?.cancel();

    for (const stale of [etag, `W/${current}`, '"nope"', "garbage"]) {
      const response = await cancel(t, payout.id, { "If-Match": stale });
      await assertProblem(response, 412);
      assert.equal(response.headers.get("etag"), current, stale);
    }
    const [row] = await t.db.sql`select status from payouts where id = ${payout.id}`;
    assert.equal(row.status, "pending", "a failed precondition cancels nothing");

    const listed = await cancel(t, payout.id, { "If-Match": `"a", ${current}` });
    assert.equal(listed.status, 204);

    const other = await createPayout(t);
    assert.equal((await cancel(t, other.payout.id, { "If-Match": "*" })).status, 204);
    const third = await createPayout(t);
    assert.equal((await cancel(t, third.payout.id, { "If-Match": third.etag })).status, 204);
  }));

Deno.test("DELETE checks 404 before 412 and 412 before 409", () =>
  withTestApp(async (t) => {
    await assertProblem(await cancel(t, crypto.randomUUID(), { "If-Match": '"nope"' }), 404);

    const { payout, etag } = await createPayout(t);
    await t.db.sql`update payouts set status = 'processing' where id = ${payout.id}`;
    await assertProblem(await cancel(t, payout.id, { "If-Match": '"nope"' }), 412);
    await assertProblem(await cancel(t, payout.id, { "If-Match": etag }), 409);

    const gone = await createPayout(t);
    assert.equal((await cancel(t, gone.payout.id)).status, 204);
    await assertProblem(await cancel(t, gone.payout.id, { "If-Match": gone.etag }), 404);
  }));
