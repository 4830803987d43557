import assert from "node:assert/strict";
import { createTestApp } from "../helpers/app.ts";
import { assertProblem, patchPayout, postPayout } from "./payout_fixtures.ts";

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

Deno.test("GET events lists the audit trail oldest first with the acting key", async () => {
  const t = await createTestApp();
  const name = `events-${crypto.randomUUID().slice(0, 8)}`;
  try {
    const { key } = await t.apiKeys.create(name);
    const headers = { ...t.headers, Authorization: `Bearer ${key}` };
    const created = await t.request("/api/payouts/", {
      method: "POST",
      headers,
      body: JSON.stringify({
        amount: "10",
        currency: "USD",
        recipient_details: { account: "DE89" },
      }),
    });
    assert.equal(created.status, 201);
    const { id } = await created.json();
    const patched = await patchPayout(t, id, { amount: "12.5" }, headers);
    assert.equal(patched.status, 200);
    await patched.body?.cancel();
    await t.db.sql`update payouts set status = 'processing' where id = ${id}`;

    for (const path of [`/api/payouts/${id}/events/`, `/api/v1/payouts/${id}/events`]) {
      const response = await t.request(path, { headers });
      assert.equal(response.status, 200, path);
      const { results } = await response.json();
      assert.deepEqual(results.map((e: { type: string }) => e.type), ["created", "updated"]);
      const [first, second] = results;
      assert.deepEqual(Object.keys(first).sort(), [
        "actor",
        "at",
        "detail",
        "from_status",
        "to_status",
        "type",
      ]);
      assert.equal(first.from_status, null);
      assert.equal(first.to_status, "pending");
      assert.equal(first.actor, `api:${name}`);
      assert.equal(second.from_status, "pending");
      assert.equal(second.to_status, "pending");
      assert.equal(second.actor, `api:${name}`);
      assert.equal(typeof second.detail, "object");
      assert.match(JSON.stringify(second.detail), /12\.50/);
      for (const event of results) {
        assert.match(event.at, RFC3339);
        assert.ok(!Number.isNaN(Date.parse(event.at)));
      }
      assert.ok(Date.parse(first.at) <= Date.parse(second.at), "oldest first");
    }
  } finally {
    await t.close();
  }
});

Deno.test("GET events names the default test key as the creator", async () => {
  const t = await createTestApp();
  try {
    const created = await postPayout(t, {
      amount: "1",
      currency: "EUR",
      recipient_details: { account: "x" },
    });
    const { id } = await created.json();
    const [key] = await t.db.sql`select name from api_keys`;
    const response = await t.request(`/api/payouts/${id}/events`, { headers: t.headers });
    const { results } = await response.json();
    assert.deepEqual(results.map((e: { actor: string }) => e.actor), [`api:${key.name}`]);
  } finally {
    await t.close();
  }
});

Deno.test("GET events is a 404 for unknown and malformed ids", async () => {
  const t = await createTestApp();
  try {
    for (const id of [crypto.randomUUID(), "abc", "x".repeat(10_000)]) {
      await assertProblem(
        await t.request(`/api/payouts/${id}/events/`, { headers: t.headers }),
        404,
      );
    }
  } finally {
    await t.close();
  }
});
