/**
 * Webhooks in real worker processes: a worker killed with SIGKILL while a delivery is open
 * loses nothing (another worker sends the message, same webhook-id, once its lease runs
 * out), and payouts are processed while an endpoint hangs.
 */
import assert from "node:assert/strict";
import { startWebhookReceiver } from "../../helpers/webhook_receiver.ts";
import { waitFor } from "../../helpers/wait.ts";
import {
  attemptsOf,
  createEndpoint,
  insertMessages,
  messageStates,
  waitForMessages,
} from "../webhooks/webhook_fixtures.ts";
import {
  assertEachCompletedAndPaidOnce,
  createRig,
  DEADLINE_MS,
  explained,
  seedPayouts,
  waitForStatus,
} from "./fault_fixtures.ts";

const WEBHOOK_ENV = {
  WEBHOOK_ALLOW_HTTP: "true",
  WEBHOOK_ALLOW_PRIVATE: "true",
  WEBHOOK_POLL_MS: "50",
  WEBHOOK_RETRY_SCHEDULE_MS: "0,50,50,50",
};

Deno.test("a worker killed with SIGKILL mid-delivery loses no message: another delivers it with the same webhook-id", async () => {
  const rig = await createRig();
  const receiver = startWebhookReceiver(() => ({ hang: true }));
  try {
    const { sql } = rig.db;
    const endpoint = await createEndpoint(sql, receiver.url());
    const [id] = await insertMessages(sql, endpoint.id, 1);
    const tag = crypto.randomUUID().slice(0, 8);
    const env = { ...WEBHOOK_ENV, WEBHOOK_TIMEOUT_MS: "5000" };
    const workerA = rig.spawn("worker.ts", { ...env, WORKER_NAME: `a-${tag}` });
    await explained(
      waitFor(() => receiver.open === 1, { timeoutMs: DEADLINE_MS, message: "A's request" }),
      () => workerA.output().slice(-2000),
    );
    const killed = await workerA.stop("SIGKILL");
    assert.equal(killed.signal, "SIGKILL");
    const [held] = await sql`select lease_owner, attempt_count from webhook_messages`;
    assert.deepEqual({ ...held }, { lease_owner: `worker:a-${tag}`, attempt_count: 0 });

    receiver.behave(() => ({ status: 204 }));
    const workerB = rig.spawn("worker.ts", { ...env, WORKER_NAME: `b-${tag}` });
    await explained(
      waitForMessages(sql, [id], "delivered", DEADLINE_MS),
      () => workerB.output().slice(-2000),
    );
    const ids = receiver.requests.map((request) => request.id);
    assert.deepEqual(ids, [id, id], "sent by A, then again by B with the same webhook-id");
    assert.equal(receiver.requests[0].body, receiver.requests[1].body, "the same body");
    const attempts = await attemptsOf(sql, id);
    assert.deepEqual(
      attempts.map((attempt) => [attempt.status_code, attempt.worker]),
      [[204, `worker:b-${tag}`]],
      "only the attempt that finished is logged",
    );
    const stopped = await workerB.stop("SIGTERM");
    assert.equal(stopped.code, 0, workerB.output().slice(-2000));
  } finally {
    await receiver.close();
    await rig.close();
  }
});

Deno.test("payouts are processed while a webhook endpoint hangs", async () => {
  const rig = await createRig();
  const receiver = startWebhookReceiver(() => ({ hang: true }));
  try {
    const { sql } = rig.db;
    await createEndpoint(sql, receiver.url());
    const worker = rig.spawn("worker.ts", {
      ...WEBHOOK_ENV,
      WEBHOOK_TIMEOUT_MS: "120000",
      WEBHOOK_ENDPOINT_CONCURRENCY: "4",
    });
    // Every payout change writes a message for the hanging endpoint.
    const ids = await seedPayouts(rig, 40);
    await explained(
      waitFor(() => receiver.open === 4, { timeoutMs: DEADLINE_MS, message: "4 hanging" }),
      () => worker.output().slice(-2000),
    );
    await waitForStatus(sql, "completed", ids.length);
    await assertEachCompletedAndPaidOnce(sql, ids);

    // Still hanging: the first four deliveries never finished, and nothing else was sent.
    assert.equal(receiver.open, 4);
    assert.equal(receiver.requests.length, 4);
    const states = [...(await messageStates(sql)).values()];
    assert.equal(states.length, ids.length * 3, "created, processing and completed each");
    assert.ok(states.every((state) => state.status === "pending" && state.attempt_count === 0));
    await worker.stop("SIGKILL");
  } finally {
    await receiver.close();
    await rig.close();
  }
});
