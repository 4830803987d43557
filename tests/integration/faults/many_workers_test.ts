import assert from "node:assert/strict";
import {
  assertEachCompletedAndPaidOnce,
  createRig,
  seedPayouts,
  waitForOutput,
  waitForStatus,
} from "./fault_fixtures.ts";

const COUNT = 1000;
const WORKERS = 3;

Deno.test("three workers share 1,000 payouts under unique consumer names, each paid once", async () => {
  const rig = await createRig();
  try {
    const { sql } = rig.db;
    // Default consumer names (no WORKER_NAME): each process must pick its own.
    const workers = Array.from(
      { length: WORKERS },
      () => rig.spawn("worker.ts", { WORKER_CONCURRENCY: "8", PROVIDER_LATENCY_MS: "20" }),
    );
    for (const worker of workers) await waitForOutput(worker, "worker started");
    const ids = await seedPayouts(rig, COUNT);

    await waitForStatus(sql, "completed", COUNT);
    await assertEachCompletedAndPaidOnce(sql, ids);
    const calls = await sql<{ outcome: string; n: number }[]>`
      select outcome, count(*)::int as n from provider_calls group by 1
    `;
    assert.deepEqual([...calls], [{ outcome: "paid", n: COUNT }], "no payout was paid twice");

    // Who finished what, from the audit trail: one actor per process, all of them busy.
    const actors = await sql<{ actor: string; n: number }[]>`
      select actor, count(*)::int as n from payout_events
      where type = 'status_changed' and to_status = 'completed' group by 1
    `;
    assert.equal(actors.length, WORKERS, JSON.stringify([...actors]));
    assert.equal(actors.reduce((sum, row) => sum + row.n, 0), COUNT);
    const info = await rig.redis.xinfo("CONSUMERS", rig.names.stream, rig.names.group);
    const consumers = (info as unknown[][]).map((fields) => `worker:${fields[1]}`).sort();
    assert.deepEqual(consumers, actors.map((row) => row.actor).sort());

    for (const worker of workers) {
      const stopped = await worker.stop("SIGTERM");
      assert.equal(stopped.code, 0, worker.output().slice(-2000));
    }
  } finally {
    await rig.close();
  }
});
