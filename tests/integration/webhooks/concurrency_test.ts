/**
 * Many messages and several dispatchers: every message is delivered, never sent twice at
 * the same time (the lease), and once when every answer is a 2xx. A hanging endpoint holds
 * only its own share of the slots: other endpoints' messages go out meanwhile.
 */
import assert from "node:assert/strict";
import { testSql, withTestDatabase } from "../../helpers/database.ts";
import { startWebhookReceiver } from "../../helpers/webhook_receiver.ts";
import { waitFor } from "../../helpers/wait.ts";
import {
  createEndpoint,
  insertMessages,
  messageStates,
  startDispatcher,
  waitForMessages,
} from "./webhook_fixtures.ts";

Deno.test("two dispatchers deliver every message once, never one message twice at the same time", async () => {
  await withTestDatabase(async (db) => {
    const receiver = startWebhookReceiver(() => ({ delayMs: 2 }));
    // Each dispatcher on its own pool, as two worker processes would be.
    const pools = [testSql(db.url), testSql(db.url)];
    const dispatchers = pools.map((pool) => startDispatcher(pool, { endpointConcurrency: 8 }));
    try {
      const ids: string[] = [];
      for (const path of ["/a", "/b", "/c"]) {
        const endpoint = await createEndpoint(db.sql, receiver.url(path));
        ids.push(...await insertMessages(db.sql, endpoint.id, 100));
      }
      await waitForMessages(db.sql, ids, "delivered");
      assert.equal(receiver.maxConcurrentPerId, 1, "no message was in flight twice at once");
      assert.equal(receiver.requests.length, ids.length, "no message was sent twice at all");
      assert.equal(new Set(receiver.requests.map((request) => request.id)).size, ids.length);
      const [{ attempts }] = await db.sql<{ attempts: number }[]>`
        select count(*)::int as attempts from webhook_attempts
      `;
      assert.equal(attempts, ids.length);
      for (const { reports } of dispatchers) {
        assert.ok(reports.length > 0, "both dispatchers took part");
      }
    } finally {
      await Promise.all(dispatchers.map((d) => d.stop()));
      await Promise.all(pools.map((pool) => pool.end()));
      await receiver.close();
    }
  });
});

Deno.test("a hanging endpoint does not delay another endpoint's messages", async () => {
  await withTestDatabase(async ({ sql }) => {
    const receiver = startWebhookReceiver((request) => ({ hang: request.path === "/hangs" }));
    const hooks = startDispatcher(sql, {
      concurrency: 8,
      endpointConcurrency: 3,
      timeoutMs: 60_000,
    });
    try {
      const hanging = await createEndpoint(sql, receiver.url("/hangs"));
      const fine = await createEndpoint(sql, receiver.url("/fine"));
      // The hanging endpoint's messages come first, so they are due first.
      const stuck = await insertMessages(sql, hanging.id, 200);
      await waitFor(() => receiver.open === 3, { message: "the hanging endpoint's share taken" });
      const others = await insertMessages(sql, fine.id, 50);
      await waitForMessages(sql, others, "delivered");

      // Still true when the others are all done: the hanging ones are still first attempts.
      const hangingRequests = receiver.requests.filter((request) => request.path === "/hangs");
      assert.equal(hangingRequests.length, 3, "never more than its cap in flight");
      const states = await messageStates(sql, stuck);
      assert.ok([...states.values()].every((state) => state.attempt_count === 0));
      assert.ok([...states.values()].every((state) => state.status === "pending"));
    } finally {
      receiver.releaseHangs();
      await hooks.stop();
      await receiver.close();
    }
  });
});

Deno.test("an endpoint at its cap gets its next message as soon as a delivery ends, not a poll later", async () => {
  await withTestDatabase(async ({ sql }) => {
    const receiver = startWebhookReceiver(() => ({ delayMs: 5 }));
    const endpoint = await createEndpoint(sql, receiver.url("/one-at-a-time"));
    // Due before the dispatcher starts, so its first claim finds them.
    const ids = await insertMessages(sql, endpoint.id, 20);
    // Polling once a minute: within the deadline, only the wake-up can send them all.
    const hooks = startDispatcher(sql, { endpointConcurrency: 1, pollMs: 60_000 });
    try {
      await waitForMessages(sql, ids, "delivered", 20_000);
      assert.equal(receiver.requests.length, ids.length);
    } finally {
      await hooks.stop();
      await receiver.close();
    }
  });
});
