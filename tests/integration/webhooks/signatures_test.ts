/**
 * What a receiver gets: the Standard Webhooks headers, a signature it verifies with its
 * secret, and during a secret rotation one signature per valid secret.
 */
import assert from "node:assert/strict";
import { Webhook } from "standardwebhooks";
import { USER_AGENT } from "../../../src/webhooks/delivery_client.ts";
import { generateSecret } from "../../../src/webhooks/secret.ts";
import { withTestDatabase } from "../../helpers/database.ts";
import { startWebhookReceiver } from "../../helpers/webhook_receiver.ts";
import {
  createEndpoint,
  insertMessages,
  insertTestPayout,
  messagesOfPayout,
  startDispatcher,
  waitForMessages,
} from "./webhook_fixtures.ts";

function headersOf(request: { headers: Headers }): Record<string, string> {
  return Object.fromEntries(request.headers.entries());
}

Deno.test("a delivered message carries the Standard Webhooks headers and verifies with the endpoint's secret", async () => {
  await withTestDatabase(async ({ sql }) => {
    const receiver = startWebhookReceiver();
    const hooks = startDispatcher(sql);
    try {
      const endpoint = await createEndpoint(sql, receiver.url());
      const payoutId = await insertTestPayout(sql, "42.50");
      const [messageId] = await messagesOfPayout(sql, payoutId);
      await waitForMessages(sql, [messageId], "delivered");

      const [request] = receiver.requests;
      assert.equal(receiver.requests.length, 1);
      assert.equal(request.headers.get("webhook-id"), messageId);
      assert.equal(request.headers.get("content-type"), "application/json");
      assert.equal(request.headers.get("user-agent"), USER_AGENT);
      assert.match(request.headers.get("webhook-timestamp") ?? "", /^\d{10}$/);
      const verified = new Webhook(endpoint.secret).verify(request.body, headersOf(request));
      assert.deepEqual(verified, JSON.parse(request.body));
      const body = JSON.parse(request.body);
      assert.equal(body.type, "payout.created");
      assert.equal(body.data.id, payoutId);
      assert.equal(body.data.amount, "42.50");
      assert.throws(
        () => new Webhook(generateSecret()).verify(request.body, headersOf(request)),
        "another secret does not verify it",
      );
    } finally {
      await hooks.stop();
      await receiver.close();
    }
  });
});

Deno.test("during a rotation a message verifies with the old secret and with the new one; after it expires, only the new", async () => {
  await withTestDatabase(async ({ sql }) => {
    const receiver = startWebhookReceiver();
    const hooks = startDispatcher(sql);
    try {
      const oldSecret = generateSecret();
      const endpoint = await createEndpoint(sql, receiver.url(), {
        previousSecret: oldSecret,
        previousValidMs: 60_000,
      });
      const [during] = await insertMessages(sql, endpoint.id, 1);
      await waitForMessages(sql, [during], "delivered");
      const first = receiver.requests.find((request) => request.id === during)!;
      const signatures = first.headers.get("webhook-signature")!.split(" ");
      assert.equal(signatures.length, 2, "two v1 signatures");
      assert.ok(signatures.every((signature) => signature.startsWith("v1,")));
      new Webhook(endpoint.secret).verify(first.body, headersOf(first));
      new Webhook(oldSecret).verify(first.body, headersOf(first));

      await sql`
        update webhook_endpoints set previous_secret_expires_at = clock_timestamp()
        where id = ${endpoint.id}
      `;
      const [after] = await insertMessages(sql, endpoint.id, 1);
      await waitForMessages(sql, [after], "delivered");
      const second = receiver.requests.find((request) => request.id === after)!;
      assert.equal(second.headers.get("webhook-signature")!.split(" ").length, 1);
      new Webhook(endpoint.secret).verify(second.body, headersOf(second));
      assert.throws(() => new Webhook(oldSecret).verify(second.body, headersOf(second)));
    } finally {
      await hooks.stop();
      await receiver.close();
    }
  });
});
