/**
 * A receiver that is down, slow, answers 500 or 410, and then recovers gets every message:
 * each ends delivered, with every attempt logged. A receiver that never recovers has its
 * messages failed once the schedule is exhausted.
 */
import assert from "node:assert/strict";
import { withTestDatabase } from "../../helpers/database.ts";
import { startWebhookReceiver } from "../../helpers/webhook_receiver.ts";
import { waitFor } from "../../helpers/wait.ts";
import {
  attemptsOf,
  createEndpoint,
  insertMessages,
  startDispatcher,
  waitForMessages,
} from "./webhook_fixtures.ts";

Deno.test("a receiver that is down, slow, answers 500 and 410, then recovers, gets every message delivered", async () => {
  await withTestDatabase(async ({ sql }) => {
    const receiver = startWebhookReceiver();
    // Each message sees the same sequence of troubles, one per attempt: a slow answer past
    // the timeout, 500, 410, then 200. Before all that, the port is closed.
    const answers = [{ delayMs: 5000 }, { status: 500 }, { status: 410 }, { status: 200 }];
    const seen = new Map<string, number>();
    receiver.behave((request) => {
      const n = seen.get(request.id) ?? 0;
      seen.set(request.id, n + 1);
      return answers[Math.min(n, answers.length - 1)];
    });
    const endpoint = await createEndpoint(sql, receiver.url());
    await receiver.stop();
    const hooks = startDispatcher(sql, { timeoutMs: 300, schedule: [0, 50, 50, 50, 50, 50] });
    try {
      const ids = await insertMessages(sql, endpoint.id, 5);
      await waitFor(async () => {
        const [row] = await sql<{ n: number }[]>`
          select count(*)::int as n from webhook_attempts where status_code is null
        `;
        return row.n >= ids.length;
      }, { message: "an attempt of each message while the port is closed" });
      receiver.start();

      const states = await waitForMessages(sql, ids, "delivered");
      for (const id of ids) {
        const attempts = await attemptsOf(sql, id);
        const codes = attempts.map((attempt) => attempt.status_code);
        // Some attempts may have hit the closed port more than once before it reopened.
        assert.deepEqual(codes.slice(-4), [null, 500, 410, 200], JSON.stringify(attempts));
        assert.ok(codes.slice(0, -4).every((code) => code === null));
        assert.equal(states.get(id)!.attempt_count, attempts.length);
        const [refused, slow] = [attempts[0], attempts.at(-4)!];
        assert.match(refused.error ?? "", /onnect/, "the closed port is named");
        assert.match(slow.error ?? "", /timed out after 300 ms/);
        assert.equal(attempts.at(-1)!.error, null);
        assert.equal(attempts.at(-1)!.response_body, "ok");
        assert.equal(receiver.delivered().get(id)?.length, 1, "delivered once");
      }
      const bodies = new Set(receiver.requests.filter((r) => r.id === ids[0]).map((r) => r.body));
      assert.equal(bodies.size, 1, "the same body on every attempt");
      const [endpointRow] = await sql`
        select failing_since from webhook_endpoints where id = ${endpoint.id}
      `;
      assert.equal(endpointRow.failing_since, null, "a success clears failing_since");
      assert.ok(hooks.reports.some((report) => report.outcome === "retry_scheduled"));
      assert.equal(hooks.reports.filter((report) => report.outcome === "delivered").length, 5);
    } finally {
      await hooks.stop();
      await receiver.close();
    }
  });
});

Deno.test("once every attempt of the schedule failed, the message is failed and not tried again", async () => {
  await withTestDatabase(async ({ sql }) => {
    const receiver = startWebhookReceiver(() => ({ status: 503, body: "down for maintenance" }));
    const hooks = startDispatcher(sql, { schedule: [0, 20, 20] });
    try {
      const endpoint = await createEndpoint(sql, receiver.url());
      const [id] = await insertMessages(sql, endpoint.id, 1);
      const states = await waitForMessages(sql, [id], "failed");
      assert.equal(states.get(id)!.attempt_count, 3);
      const attempts = await attemptsOf(sql, id);
      assert.deepEqual(attempts.map((attempt) => attempt.status_code), [503, 503, 503]);
      assert.equal(attempts[0].response_body, "down for maintenance");
      assert.deepEqual(
        hooks.reports.map((report) => report.outcome),
        ["retry_scheduled", "retry_scheduled", "failed"],
      );
      assert.ok(hooks.lines.some((line) => line.includes("webhook message failed for good")));
      const [endpointRow] = await sql`
        select failing_since from webhook_endpoints where id = ${endpoint.id}
      `;
      assert.ok(endpointRow.failing_since instanceof Date, "the endpoint is marked failing");
    } finally {
      await hooks.stop();
      await receiver.close();
    }
    assert.equal(receiver.requests.length, 3, "nothing sent after the message failed");
  });
});
