import assert from "node:assert/strict";
import { createTestApp } from "../helpers/app.ts";

Deno.test("GET /health/ reports postgres and redis as ok", async () => {
  const t = await createTestApp();
  try {
    for (const path of ["/health", "/health/"]) {
      const response = await t.request(path);
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), {
        status: "ok",
        checks: { postgres: "ok", redis: "ok" },
      });
    }
  } finally {
    await t.close();
  }
});

Deno.test("POST /api/payouts/ creates a pending payout and appends its job", async () => {
  const t = await createTestApp();
  try {
    const response = await t.request("/api/payouts/", {
      method: "POST",
      headers: t.headers,
      body: JSON.stringify({
        amount: "125.5",
        currency: "usd",
        recipient_details: { account: " DE89 " },
      }),
    });
    assert.equal(response.status, 201);
    const body = await response.json();
    assert.equal(body.amount, "125.50");
    assert.equal(body.status, "pending");
    assert.equal(response.headers.get("location"), `/api/payouts/${body.id}/`);
    const entries = await t.redis.xrange(t.names.stream, "-", "+");
    assert.deepEqual(entries.map(([, fields]) => fields), [["payout_id", body.id]]);
  } finally {
    await t.close();
  }
});
