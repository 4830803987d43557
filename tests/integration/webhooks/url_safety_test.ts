/**
 * What the dispatcher refuses to do: call a host that now resolves to a private address
 * (DNS rebinding), follow a redirect, or keep more than 64 KiB of an answer.
 */
import assert from "node:assert/strict";
import { withTestDatabase } from "../../helpers/database.ts";
import { startWebhookReceiver } from "../../helpers/webhook_receiver.ts";
import {
  attemptsOf,
  createEndpoint,
  insertMessages,
  startDispatcher,
  waitForMessages,
} from "./webhook_fixtures.ts";

Deno.test("a host that resolves to a private address by delivery time is refused, and nothing is sent", async () => {
  await withTestDatabase(async ({ sql }) => {
    const receiver = startWebhookReceiver();
    const resolved: string[] = [];
    const hooks = startDispatcher(sql, {
      schedule: [0, 20],
      policy: {
        allowHttp: true,
        allowPrivate: false,
        // The name pointed somewhere public when the endpoint was saved; now it is rebound.
        resolve: (host) => {
          resolved.push(host);
          return Promise.resolve(["127.0.0.1"]);
        },
      },
    });
    try {
      const endpoint = await createEndpoint(
        sql,
        `http://hooks.rebound.example:${receiver.port}/hook`,
      );
      const [id] = await insertMessages(sql, endpoint.id, 1);
      await waitForMessages(sql, [id], "failed");
      const attempts = await attemptsOf(sql, id);
      assert.equal(attempts.length, 2);
      for (const attempt of attempts) {
        assert.equal(attempt.status_code, null);
        assert.match(attempt.error ?? "", /^URL refused: must not point to a private or local/);
      }
      assert.deepEqual(resolved, ["hooks.rebound.example", "hooks.rebound.example"]);
      assert.deepEqual(hooks.reports.map((report) => report.outcome), ["refused", "refused"]);
    } finally {
      await hooks.stop();
      await receiver.close();
    }
    assert.equal(receiver.requests.length, 0, "no request reached the receiver");
  });
});

Deno.test("a redirect is a failed attempt and is never followed", async () => {
  await withTestDatabase(async ({ sql }) => {
    const receiver = startWebhookReceiver((request) =>
      request.path === "/hook" ? { redirect: "/elsewhere" } : {}
    );
    const hooks = startDispatcher(sql, { schedule: [0] });
    try {
      const endpoint = await createEndpoint(sql, receiver.url("/hook"));
      const [id] = await insertMessages(sql, endpoint.id, 1);
      await waitForMessages(sql, [id], "failed");
      const [attempt] = await attemptsOf(sql, id);
      assert.equal(attempt.status_code, 302);
      assert.equal(attempt.error, "redirect (302) not followed");
    } finally {
      await hooks.stop();
      await receiver.close();
    }
    assert.deepEqual(receiver.requests.map((request) => request.path), ["/hook"]);
  });
});

Deno.test("only the first 64 KiB of a response body is kept", async () => {
  await withTestDatabase(async ({ sql }) => {
    const big = "x".repeat(200_000);
    const receiver = startWebhookReceiver(() => ({ body: big }));
    const hooks = startDispatcher(sql);
    try {
      const endpoint = await createEndpoint(sql, receiver.url());
      const [id] = await insertMessages(sql, endpoint.id, 1);
      await waitForMessages(sql, [id], "delivered");
      const [attempt] = await attemptsOf(sql, id);
      assert.equal(attempt.status_code, 200);
      assert.equal(attempt.response_body?.length, 64 * 1024);
    } finally {
      await hooks.stop();
      await receiver.close();
    }
  });
});
