import assert from "node:assert/strict";
import { waitFor } from "../../helpers/wait.ts";
import {
  assertEachCompletedAndPaidOnce,
  createApiKey,
  createRig,
  DEADLINE_MS,
  explained,
  seedPayouts,
  startApi,
  type StatusCounts,
  statusCounts,
  waitForKeyUse,
  waitForOutput,
  waitForStatus,
} from "./fault_fixtures.ts";

const COUNT = 300;

Deno.test("a worker stopped by SIGTERM or SIGINT finishes its jobs, exits 0, and loses nothing", async (t) => {
  const rig = await createRig();
  try {
    const { sql } = rig.db;
    const ids = await seedPayouts(rig, COUNT);
    let completedBefore = 0;
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      await t.step(`${signal} while jobs are in flight`, async () => {
        const worker = rig.spawn("worker.ts", {
          WORKER_CONCURRENCY: "8",
          PROVIDER_LATENCY_MS: "50",
        });
        let seen: StatusCounts = {};
        await explained(
          waitFor(async () => {
            seen = await statusCounts(sql);
            return (seen.completed ?? 0) >= completedBefore + 30 && (seen.processing ?? 0) > 0;
          }, { timeoutMs: DEADLINE_MS, message: "the worker to be busy" }),
          () => `counts: ${JSON.stringify(seen)}`,
        );
        const stopped = await worker.stop(signal);
        assert.equal(stopped.code, 0, worker.output().slice(-2000));
        assert.match(worker.output(), /"msg":"worker stopped".*"unfinished":0/);

        // What it had started it finished and acknowledged; the rest waits in the stream.
        const after = await statusCounts(sql);
        assert.equal(after.processing ?? 0, 0, JSON.stringify(after));
        assert.ok((after.completed ?? 0) < COUNT, "the stop came before the end of the work");
        const pending = await rig.redis.xpending(rig.names.stream, rig.names.group) as [number];
        assert.equal(pending[0], 0, "no entry is left pending");
        completedBefore = after.completed ?? 0;
      });
    }

    const last = rig.spawn("worker.ts");
    await waitForStatus(sql, "completed", COUNT);
    await assertEachCompletedAndPaidOnce(sql, ids);
    const calls = await sql<{ outcome: string; n: number }[]>`
      select outcome, count(*)::int as n from provider_calls group by 1
    `;
    assert.deepEqual([...calls], [{ outcome: "paid", n: COUNT }], "no job was done twice");
    assert.equal((await last.stop("SIGTERM")).code, 0, last.output().slice(-2000));
  } finally {
    await rig.close();
  }
});

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.test(`the API on ${signal} finishes the request in flight, then exits 0`, async () => {
    const rig = await createRig();
    try {
      const { sql } = rig.db;
      const { record, key } = await createApiKey(sql);
      const { api, payoutsUrl } = await startApi(rig);

      // A request whose body is still being sent when the signal comes.
      const body = new TransformStream<Uint8Array, Uint8Array>();
      const writer = body.writable.getWriter();
      const encoder = new TextEncoder();
      const answer = fetch(payoutsUrl, {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body: body.readable,
      });
      await writer.write(encoder.encode('{"amount": "5.00", "currency": "USD", '));
      // Once the key is stamped as used, the server is inside the request.
      await waitForKeyUse(sql, record.id, "the API to start handling the request");

      api.process.kill(signal);
      await waitForOutput(api, "api shutting down");
      await writer.write(
        encoder.encode('"recipient_details": {"account": "GB29NWBK60161331926819"}}'),
      );
      await writer.close();

      const response = await answer;
      const payout = await response.json();
      assert.equal(response.status, 201, JSON.stringify(payout));
      const exited = await api.status;
      assert.equal(exited.code, 0, api.output().slice(-2000));
      const [row] = await sql`select status from payouts where id = ${payout.id}`;
      assert.equal(row.status, "pending");
    } finally {
      await rig.close();
    }
  });
}
