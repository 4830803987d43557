import assert from "node:assert/strict";
import { outboxBacklog } from "../../../src/queue/outbox.repository.ts";
import { FAULT_EXIT_CODE } from "../../../src/queue/fault_injection.ts";
import {
  assertEachCompletedAndPaidOnce,
  createApiKey,
  createRig,
  startApi,
  waitForStatus,
} from "./fault_fixtures.ts";

Deno.test("payouts whose API process died between commit and XADD are still processed", async () => {
  const rig = await createRig();
  try {
    const { sql } = rig.db;
    const { key } = await createApiKey(sql);
    // Both ways of creating a payout: plain, and under an Idempotency-Key.
    const variants: Record<string, string>[] = [{}, { "Idempotency-Key": crypto.randomUUID() }];
    for (const extraHeaders of variants) {
      const { api, payoutsUrl } = await startApi(rig, {
        FAULT_INJECT: "exit_before_enqueue",
        // This API's own relay would publish the first payout's job: leave it to the worker.
        RELAY_DELAY_MS: "600000",
      });
      const answer = await fetch(payoutsUrl, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${key}`,
          "Content-Type": "application/json",
          ...extraHeaders,
        },
        body: JSON.stringify({
          amount: "99.99",
          currency: "USD",
          recipient_details: { account: "DE89370400440532013000" },
        }),
      }).then(async (response) => {
        await response.body?.cancel();
        return response.status;
      }, (error) => error);
      assert.ok(answer instanceof TypeError, `the connection should drop, got ${answer}`);
      const exited = await api.status;
      assert.equal(exited.code, FAULT_EXIT_CODE, api.output().slice(-2000));
    }

    // Committed, never enqueued: only their outbox rows say they still need a job.
    const rows = await sql<{ id: string; status: string }[]>`select id, status from payouts`;
    assert.deepEqual(rows.map((row) => row.status), ["pending", "pending"]);
    assert.equal((await outboxBacklog(sql)).count, 2);
    assert.equal(await rig.redis.exists(rig.names.stream), 0, "no job reached the stream");

    const worker = rig.spawn("worker.ts");
    await waitForStatus(sql, "completed", 2);
    await assertEachCompletedAndPaidOnce(sql, rows.map((row) => row.id));
    const stopped = await worker.stop("SIGTERM");
    assert.equal(stopped.code, 0, worker.output().slice(-2000));
  } finally {
    await rig.close();
  }
});
