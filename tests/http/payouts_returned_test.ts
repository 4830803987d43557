import assert from "node:assert/strict";
import { type TestApp, withTestApp } from "../helpers/app.ts";
import { assertProblem, createPayout, patchPayout } from "./payout_fixtures.ts";

/** A payout paid through sepa_file and then sent back, as the bank's camt.054 leaves it. */
async function createReturned(t: TestApp): Promise<string> {
  const { payout } = await createPayout(t, { currency: "EUR" });
  await t.db.sql`
    update payouts set status = 'returned', connector = 'sepa_file',
      return_reason = 'AC04 (closed account): account closed', version = version + 1
    where id = ${payout.id}
  `;
  return payout.id;
}

Deno.test("a returned payout shows its connector and return reason, and status=returned lists it", () =>
  withTestApp(async (t) => {
    const id = await createReturned(t);
    const { payout: other } = await createPayout(t);
    const response = await t.request(`/api/payouts/${id}/`, { headers: t.headers });
    assert.equal(response.status, 200);
    const body = await response.json();
    assert.equal(body.status, "returned");
    assert.equal(body.connector, "sepa_file");
    assert.equal(body.return_reason, "AC04 (closed account): account closed");
    assert.equal(body.failure_reason, null);

    const list = await t.request("/api/payouts/?status=returned", { headers: t.headers });
    assert.equal(list.status, 200);
    const { results } = await list.json();
    assert.deepEqual(results.map((payout: { id: string }) => payout.id), [id]);
    const pending = await (await t.request("/api/payouts/?status=pending", { headers: t.headers }))
      .json();
    assert.deepEqual(pending.results.map((payout: { id: string }) => payout.id), [other.id]);
  }));

Deno.test("a returned payout can no longer be changed or canceled", () =>
  withTestApp(async (t) => {
    const id = await createReturned(t);
    await assertProblem(await patchPayout(t, id, { description: "late" }), 409);
    await assertProblem(
      await t.request(`/api/payouts/${id}/`, { method: "DELETE", headers: t.headers }),
      409,
    );
  }));

Deno.test("the OpenAPI schema documents returned, connector and return_reason", () =>
  withTestApp(async (t) => {
    const doc = await (await t.request("/api/schema/")).json();
    const schemas = doc.components.schemas;
    assert.ok(schemas.PayoutStatus.enum.includes("returned"));
    assert.deepEqual(schemas.Payout.properties.connector.type, ["string", "null"]);
    assert.deepEqual(schemas.Payout.properties.return_reason.type, ["string", "null"]);
    assert.ok(schemas.Payout.required.includes("connector"));
    assert.ok(schemas.Payout.required.includes("return_reason"));
  }));
