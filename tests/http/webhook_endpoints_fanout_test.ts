/** Which endpoints payout changes made through the API record messages for. */
import assert from "node:assert/strict";
import { createTestApp } from "../helpers/app.ts";
import { assertProblem, createPayout } from "./payout_fixtures.ts";
import { call, createEndpoint, messagesOf } from "./webhook_endpoint_fixtures.ts";

Deno.test("a payout created through the API reaches * and payout.created endpoints only", async () => {
  const t = await createTestApp();
  try {
    const everything = await createEndpoint(t, { events: ["*"] });
    const created = await createEndpoint(t, { events: ["payout.created", "payout.failed"] });
    const completedOnly = await createEndpoint(t, { events: ["payout.completed"] });
    const disabled = await createEndpoint(t, { events: ["*"] });
    const path = `/api/webhook-endpoints/${disabled.id}/`;
    assert.equal((await call(t, "PATCH", path, { status: "disabled" })).status, 200);

    const { payout } = await createPayout(t);
    for (const endpoint of [everything, created]) {
      const messages = await messagesOf(t, endpoint.id);
      assert.deepEqual(
        messages.map((m) => [m.event_type, m.payout_id, m.status]),
        [["payout.created", payout.id, "pending"]],
        endpoint.events.join(","),
      );
    }
    assert.deepEqual(await messagesOf(t, completedOnly.id), [], "not subscribed");
    assert.deepEqual(await messagesOf(t, disabled.id), [], "disabled endpoints get nothing");

    await assertProblem(await call(t, "PATCH", path, { status: "paused" }), 400);
    assert.equal((await call(t, "PATCH", path, { status: "enabled" })).status, 200);
    const second = await createPayout(t);
    assert.deepEqual(
      (await messagesOf(t, disabled.id)).map((m) => m.payout_id),
      [second.payout.id],
      "re-enabled, it receives what happens next",
    );
  } finally {
    await t.close();
  }
});

Deno.test("a PATCH of the subscription changes which events an endpoint receives", async () => {
  const t = await createTestApp();
  try {
    const endpoint = await createEndpoint(t, { events: ["payout.completed"] });
    await createPayout(t);
    assert.equal((await messagesOf(t, endpoint.id)).length, 0);
    const path = `/api/webhook-endpoints/${endpoint.id}/`;
    assert.equal((await call(t, "PATCH", path, { events: ["payout.created"] })).status, 200);
    await createPayout(t);
    assert.equal((await messagesOf(t, endpoint.id)).length, 1);
  } finally {
    await t.close();
  }
});

Deno.test("deleting an endpoint fails its pending messages and stops the fan-out to it", async () => {
  const t = await createTestApp();
  try {
    const endpoint = await createEndpoint(t, { events: ["*"] });
    const kept = await createEndpoint(t, { events: ["*"] });
    await createPayout(t);
    await createPayout(t);
    const [first, second] = await messagesOf(t, endpoint.id);
    await t.db.sql`
      update webhook_messages set status = 'delivered', delivered_at = now() where id = ${first.id}
    `;
    await t.db.sql`
      insert into webhook_attempts (message_id, status_code, duration_ms, worker)
      values (${first.id}, 200, 12, 'w1')
    `;

    assert.equal((await call(t, "DELETE", `/api/webhook-endpoints/${endpoint.id}/`)).status, 204);
    assert.deepEqual(
      (await messagesOf(t, endpoint.id)).map((m) => [m.id, m.status]),
      [[first.id, "delivered"], [second.id, "failed"]],
      "pending ones fail, the delivery log stays",
    );
    const [{ n }] = await t.db.sql`
      select count(*)::int as n from webhook_attempts where message_id = ${first.id}
    `;
    assert.equal(n, 1, "attempts stay for audit");

    await createPayout(t);
    assert.equal((await messagesOf(t, endpoint.id)).length, 2, "no new message after deletion");
    assert.equal((await messagesOf(t, kept.id)).length, 3, "other endpoints still receive");
    assert.ok((await messagesOf(t, kept.id)).every((m) => m.status === "pending"));
  } finally {
    await t.close();
  }
});
