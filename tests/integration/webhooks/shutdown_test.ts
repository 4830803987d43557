/**
 * stop(): deliveries in flight may finish within the timeout; the ones still open after it
 * are cut off without counting as an attempt, and their leases are released so another
 * worker sends them at once.
 */
import assert from "node:assert/strict";
import { withTestDatabase } from "../../helpers/database.ts";
import { startWebhookReceiver } from "../../helpers/webhook_receiver.ts";
import { waitFor } from "../../helpers/wait.ts";
import {
  createEndpoint,
  insertMessages,
  messageStates,
  startDispatcher,
} from "./webhook_fixtures.ts";

Deno.test("stop lets a quick delivery finish, then cuts off a hanging one and releases its lease", async () => {
  await withTestDatabase(async ({ sql }) => {
    const receiver = startWebhookReceiver((request) => ({
      hang: request.path === "/hangs",
      delayMs: request.path === "/quick" ? 200 : 0,
    }));
    const hooks = startDispatcher(sql, { timeoutMs: 60_000 });
    try {
      const hanging = await createEndpoint(sql, receiver.url("/hangs"));
      const quick = await createEndpoint(sql, receiver.url("/quick"));
      const [stuck] = await insertMessages(sql, hanging.id, 1);
      const [done] = await insertMessages(sql, quick.id, 1);
      await waitFor(() => receiver.open === 2, { message: "both requests open" });

      // Long enough for the 200 ms answer; the hanging one never answers.
      const { unfinished } = await hooks.dispatcher.stop(1500);
      assert.equal(unfinished, 1);
      const states = await messageStates(sql);
      assert.equal(states.get(done)!.status, "delivered");
      assert.deepEqual({ ...states.get(stuck)! }, {
        id: stuck,
        status: "pending",
        attempt_count: 0,
      });
      const [lease] =
        await sql`select lease_owner, lease_until from webhook_messages where id = ${stuck}`;
      assert.deepEqual({ ...lease }, { lease_owner: null, lease_until: null });
      const attempts = await sql`select message_id from webhook_attempts`;
      assert.deepEqual(
        attempts.map((row) => row.message_id),
        [done],
        "the cut-off one not counted",
      );
    } finally {
      await hooks.stop();
      await receiver.close();
    }
  });
});
