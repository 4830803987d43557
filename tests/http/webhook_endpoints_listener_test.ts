/**
 * The endpoint of a `deno task webhooks listen` belongs to that CLI: the API does not list
 * it, and reading, changing, deleting, testing or rotating it is a 404 that leaves it as it
 * was; the console's failing deliveries leave its messages out.
 */
import assert from "node:assert/strict";
import { withTestApp } from "../helpers/app.ts";
import { insertListenerEndpoint } from "../../src/webhooks/listener_endpoints.repository.ts";
import { listFailingDeliveries } from "../../src/webhooks/webhook_deliveries.repository.ts";
import { generateSecret } from "../../src/webhooks/secret.ts";
import { assertProblem } from "./payout_fixtures.ts";
import { call, createEndpoint, type Endpoint, expectJson } from "./webhook_endpoint_fixtures.ts";

Deno.test("the API neither shows nor changes a listener's endpoint", () =>
  withTestApp(async (t) => {
    const visible = await createEndpoint(t);
    const secret = generateSecret();
    const id = await insertListenerEndpoint(t.db.sql, {
      url: "http://127.0.0.1:4100/",
      events: ["*"],
      secret,
      leaseMs: 60_000,
    });
    const page = await expectJson<{ results: Endpoint[] }>(
      await call(t, "GET", "/api/webhook-endpoints/"),
      200,
    );
    assert.deepEqual(page.results.map((endpoint) => endpoint.id), [visible.id]);
    const path = `/api/webhook-endpoints/${id}/`;
    const attempts: [string, string, unknown?][] = [
      ["GET", path],
      ["PATCH", path, { status: "disabled" }],
      ["PATCH", path, { url: "https://93.184.216.34/x" }],
      ["DELETE", path],
      ["POST", `${path}rotate-secret/`],
      ["POST", `${path}test/`],
      ["GET", `${path}deliveries/`],
    ];
    for (const [method, target, body] of attempts) {
      await assertProblem(await call(t, method, target, body), 404);
    }
    const [row] = await t.db.sql`
      select url, status, secret, deleted_at from webhook_endpoints where id = ${id}
    `;
    assert.deepEqual({ ...row }, {
      url: "http://127.0.0.1:4100/",
      status: "enabled",
      secret,
      deleted_at: null,
    });

    // A failing delivery of the listener is the CLI's to show, not the console's.
    await t.db.sql`
      insert into webhook_messages (id, endpoint_id, event_type, data, status, attempt_count)
      values ('msg_' || replace(gen_random_uuid()::text, '-', ''), ${id}, 'webhook.test', '{}',
        'failed', 1)
    `;
    assert.deepEqual(await listFailingDeliveries(t.db.sql, 10), []);
  }));
