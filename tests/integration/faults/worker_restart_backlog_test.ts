import assert from "node:assert/strict";
import { claimPayout } from "../../../src/payouts/processing.repository.ts";
import { readEntries } from "../../../src/queue/job_stream.ts";
import { startRedisServer } from "../../helpers/redis_server.ts";
import {
  assertEachCompletedAndPaidOnce,
  createRig,
  seedPayouts,
  waitForStatus,
} from "./fault_fixtures.ts";

const COUNT = 100;
const HELD = 10;

/** How many XREADGROUP calls the server has answered. */
function xreadgroupCalls(info: string): number {
  return Number(/cmdstat_xreadgroup:calls=(\d+)/.exec(info)?.[1] ?? 0);
}

Deno.test("a worker restarted under its name first finishes the jobs it held, at once and once", async () => {
  // A private server: the test counts the XREADGROUP calls it answers.
  const server = await startRedisServer();
  const rig = await createRig(server.url);
  try {
    const { sql } = rig.db;
    const name = `w-${crypto.randomUUID().slice(0, 8)}`;
    const ids = await seedPayouts(rig, COUNT);
    // The worker's previous life: it had been given every job, and had claimed some payouts.
    await rig.redis.xgroup("CREATE", rig.names.stream, rig.names.group, "0");
    const held = await readEntries(rig.redis, rig.names, name, ">", COUNT, 100);
    assert.equal(held.length, COUNT);
    for (const id of ids.slice(0, HELD)) {
      assert.ok(await claimPayout(sql, id, `worker:${name}`, 3_600_000));
    }
    await rig.redis.config("RESETSTAT");

    const worker = rig.spawn("worker.ts", {
      WORKER_NAME: name,
      WORKER_CONCURRENCY: "4",
      PROVIDER_LATENCY_MS: "30",
      // Neither a takeover nor the reconciler may do the work: only the restarted worker.
      CLAIM_IDLE_MS: "3600000",
      RECONCILE_STALE_MS: "3600000",
    });
    await waitForStatus(sql, "completed", COUNT);
    await assertEachCompletedAndPaidOnce(sql, ids);
    const calls = await sql<{ outcome: string; n: number }[]>`
      select outcome, count(*)::int as n from provider_calls group by 1
    `;
    assert.deepEqual([...calls], [{ outcome: "paid", n: COUNT }], "no job ran twice");
    // One read per freed slot or so, not a busy loop over the jobs still running.
    const reads = xreadgroupCalls(await rig.redis.info("commandstats"));
    assert.ok(reads < COUNT * 3, `${reads} XREADGROUP calls for ${COUNT} jobs`);

    const stopped = await worker.stop("SIGTERM");
    assert.equal(stopped.code, 0, worker.output().slice(-2000));
  } finally {
    await rig.close();
    await server.close();
  }
});
