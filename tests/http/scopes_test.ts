import assert from "node:assert/strict";
import type { Scope } from "../../src/apikeys/scopes.ts";
import { createTestApp, type TestApp } from "../helpers/app.ts";
import { assertProblem, payoutBody } from "./payout_fixtures.ts";

async function keyWith(t: TestApp, scopes: Scope[]): Promise<Record<string, string>> {
  const { key } = await t.apiKeys.create(`scoped-${crypto.randomUUID().slice(0, 8)}`, scopes);
  return { Authorization: `Bearer ${key}`, "Content-Type": "application/json" };
}

Deno.test("a key without the route's scope gets a 403 naming it, and nothing is written", async () => {
  const t = await createTestApp();
  try {
    const reader = await keyWith(t, ["payouts:read"]);
    const created = await t.request("/api/payouts/", {
      method: "POST",
      headers: reader,
      body: JSON.stringify(payoutBody()),
    });
    const problem = await assertProblem(created, 403);
    assert.equal(problem.type, "/problems/missing_scope");
    assert.match(problem.detail, /payouts:write/);
    assert.equal((await t.db.sql`select count(*)::int as n from payouts`)[0].n, 0);
    assert.equal((await t.request("/api/v1/payouts", { headers: reader })).status, 200);

    const writer = await keyWith(t, ["payouts:write"]);
    const listed = await assertProblem(
      await t.request("/api/payouts/", { headers: writer }),
      403,
    );
    assert.match(listed.detail, /payouts:read/);
    const hooks = await assertProblem(
      await t.request("/api/webhook-endpoints/", { headers: writer }),
      403,
    );
    assert.match(hooks.detail, /webhooks:read/);
  } finally {
    await t.close();
  }
});

Deno.test("a missing scope comes right after 401: before 405, 413, 415 and 400", async () => {
  const t = await createTestApp();
  try {
    const reader = await keyWith(t, ["payouts:read"]);
    const cases: [string, RequestInit][] = [
      ["/api/payouts/", { method: "PUT", headers: reader }], // would be 405
      ["/api/payouts/", { method: "POST", headers: reader, body: "x".repeat(70_000) }], // 413
      ["/api/payouts/", { method: "POST", headers: { ...reader, "Content-Type": "text/plain" } }],
      ["/api/payouts/", { method: "POST", headers: reader, body: "{" }], // would be 400
    ];
    for (const [path, init] of cases) {
      const problem = await assertProblem(await t.request(path, init), 403);
      assert.equal(problem.type, "/problems/missing_scope");
    }
    // Without a valid key at all it is still a 401.
    const anonymous = await t.request("/api/payouts/", { method: "PUT" });
    assert.equal(anonymous.status, 401);
    await anonymous.body?.cancel();
  } finally {
    await t.close();
  }
});
