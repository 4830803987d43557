import assert from "node:assert/strict";
import type { Scope } from "../../src/apikeys/scopes.ts";
import { createTestApp, type TestApp } from "../helpers/app.ts";
import {
  assertFieldError,
  assertProblem,
  createPayout,
  patchPayout,
  postPayout,
} from "./payout_fixtures.ts";

const APPROVER: Scope[] = ["payouts:read", "payouts:write", "payouts:approve"];

/** Headers carrying a new key with these scopes. */
async function keyHeaders(t: TestApp, scopes: Scope[]): Promise<Record<string, string>> {
  const { key } = await t.apiKeys.create(`key-${crypto.randomUUID().slice(0, 8)}`, scopes);
  return { Authorization: `Bearer ${key}`, "Content-Type": "application/json" };
}

/** Asserts a problem of this status whose type names `code` (and, for a 400, the field). */
async function expectProblem(response: Response, status: number, code: string, path = "") {
  const body = status === 400
    ? await assertFieldError(response, path)
    : await assertProblem(response, status);
  assert.equal(body.type, `/problems/${code}`);
  return body;
}

function act(
  t: TestApp,
  id: string,
  action: "approve" | "reject",
  headers: Record<string, string>,
  init: RequestInit = {},
) {
  return t.request(`/api/payouts/${id}/${action}/`, { method: "POST", headers, ...init });
}

Deno.test("requires_approval puts a payout in needs_approval; another key with payouts:approve releases it", async () => {
  const t = await createTestApp();
  try {
    const { payout } = await createPayout(t, { requires_approval: true });
    assert.equal(payout.status, "needs_approval");
    assert.equal(payout.requires_approval, true);
    const approver = await keyHeaders(t, APPROVER);
    const response = await act(t, payout.id, "approve", approver);
    const body = await response.json();
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.equal(body.status, "pending");
    assert.ok(response.headers.get("etag"));
    const events = await (await t.request(`/api/payouts/${payout.id}/events/`, {
      headers: t.headers,
    })).json();
    assert.deepEqual(
      events.results.map((e: { type: string }) => e.type),
      ["created", "approved"],
    );
  } finally {
    await t.close();
  }
});

Deno.test("amounts at or above APPROVAL_THRESHOLDS need approval, below do not", async () => {
  const t = await createTestApp({ approvalThresholds: "USD=10000,JPY=1000000" });
  try {
    assert.equal((await createPayout(t, { amount: "10000" })).payout.status, "needs_approval");
    assert.equal((await createPayout(t, { amount: "9999.99" })).payout.status, "pending");
    assert.equal(
      (await createPayout(t, { amount: "1000000", currency: "JPY" })).payout.status,
      "needs_approval",
    );
    assert.equal(
      (await createPayout(t, { amount: "1000000", currency: "EUR" })).payout.status,
      "pending",
      "no EUR threshold",
    );
    // A PATCH up to the threshold makes a pending payout need approval.
    const { payout } = await createPayout(t, { amount: "1.00" });
    const patched = await (await patchPayout(t, payout.id, { amount: "20000" })).json();
    assert.equal(patched.status, "needs_approval");
  } finally {
    await t.close();
  }
});

Deno.test("four eyes: approving with the key that created the payout is a 403", async () => {
  const t = await createTestApp();
  try {
    const creator = await keyHeaders(t, APPROVER);
    const created = await postPayout(t, {
      amount: "5.00",
      currency: "USD",
      recipient_details: { account: "X" },
      requires_approval: true,
    }, "/api/payouts/");
    assert.equal(created.status, 201);
    const { id } = await created.json();
    // Created by the default key; it lacks the scope: 403 naming the scope.
    await expectProblem(await act(t, id, "approve", t.headers), 403, "missing_scope", "");
    // A payout the approver created itself.
    const own = await t.request("/api/payouts/", {
      method: "POST",
      headers: creator,
      body: JSON.stringify({
        amount: "5.00",
        currency: "USD",
        recipient_details: { account: "X" },
        requires_approval: true,
      }),
    });
    const ownId = (await own.json()).id;
    await expectProblem(await act(t, ownId, "approve", creator), 403, "four_eyes", "");
    // Another approver may; then it is no longer awaiting approval: 409.
    const other = await keyHeaders(t, APPROVER);
    assert.equal((await act(t, ownId, "approve", other)).status, 200);
    await expectProblem(
      await act(t, ownId, "approve", other),
      409,
      "payout_not_awaiting_approval",
      "",
    );
    // The one who last changed it may not approve it either.
    const patched = await patchPayout(t, id, { description: "edited" }, {
      Authorization: other.Authorization,
    });
    assert.equal(patched.status, 200);
    await expectProblem(await act(t, id, "approve", other), 403, "four_eyes", "");
  } finally {
    await t.close();
  }
});

Deno.test("approve and reject check 404, then 412, then four eyes, then 409", async () => {
  const t = await createTestApp();
  try {
    const approver = await keyHeaders(t, APPROVER);
    const unknown = crypto.randomUUID();
    await expectProblem(
      await act(t, unknown, "approve", { ...approver, "If-Match": '"nope"' }),
      404,
      "not_found",
      "",
    );
    await expectProblem(await act(t, "not-a-uuid", "reject", approver), 404, "not_found", "");
    const { payout, etag } = await createPayout(t, { requires_approval: true });
    await expectProblem(
      await act(t, payout.id, "approve", { ...approver, "If-Match": '"00000000-7"' }),
      412,
      "precondition_failed",
      "",
    );
    const ok = await act(t, payout.id, "approve", { ...approver, "If-Match": etag });
    assert.equal(ok.status, 200);
    await expectProblem(
      await act(t, payout.id, "reject", approver),
      409,
      "payout_not_awaiting_approval",
      "",
    );
  } finally {
    await t.close();
  }
});

Deno.test("reject ends the payout in rejected with the reason; it stays visible and cannot change", async () => {
  const t = await createTestApp();
  try {
    const approver = await keyHeaders(t, APPROVER);
    const { payout } = await createPayout(t, { requires_approval: true });
    const response = await act(t, payout.id, "reject", approver, {
      body: JSON.stringify({ reason: "duplicate of invoice 41" }),
    });
    const body = await response.json();
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.equal(body.status, "rejected");
    assert.equal(body.failure_reason, "duplicate of invoice 41");
    const read = await (await t.request(`/api/payouts/${payout.id}/`, { headers: t.headers }))
      .json();
    assert.equal(read.status, "rejected");
    const listed = await (await t.request("/api/payouts/?status=rejected", { headers: t.headers }))
      .json();
    assert.deepEqual(listed.results.map((p: { id: string }) => p.id), [payout.id]);
    assert.equal((await patchPayout(t, payout.id, { amount: "1.00" })).status, 409);
    // No body at all is no reason; an unknown field is a 400.
    const other = (await createPayout(t, { requires_approval: true })).payout;
    await expectProblem(
      await act(t, other.id, "reject", approver, { body: JSON.stringify({ why: "x" }) }),
      400,
      "validation_failed",
      "why",
    );
    const { Authorization } = approver;
    const bare = await act(t, other.id, "reject", { Authorization });
    assert.equal(bare.status, 200);
    assert.equal((await bare.json()).failure_reason, "rejected by the approver");
  } finally {
    await t.close();
  }
});

Deno.test("PATCH and DELETE work in needs_approval as in pending", async () => {
  const t = await createTestApp();
  try {
    const { payout } = await createPayout(t, { requires_approval: true });
    const patched = await patchPayout(t, payout.id, { amount: "7.00" });
    const body = await patched.json();
    assert.equal(patched.status, 200);
    assert.equal(body.status, "needs_approval");
    assert.equal(body.amount, "7.00");
    const deleted = await t.request(`/api/payouts/${payout.id}/`, {
      method: "DELETE",
      headers: t.headers,
    });
    assert.equal(deleted.status, 204);
    assert.equal(
      (await t.request(`/api/payouts/${payout.id}/`, { headers: t.headers })).status,
      404,
    );
  } finally {
    await t.close();
  }
});
