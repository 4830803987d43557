import assert from "node:assert/strict";
import type postgres from "postgres";
import { waitFor } from "../../helpers/wait.ts";
import {
  assertEachCompletedAndPaidOnce,
  createRig,
  DEADLINE_MS,
  explained,
  seedPayouts,
  type StatusCounts,
  statusCounts,
  waitForStatus,
} from "./fault_fixtures.ts";

const COUNT = 500;

/** Statements running in this test's database, other than this one. */
async function activeStatements(sql: postgres.Sql): Promise<number> {
  const [{ n }] = await sql<{ n: number }[]>`
    select count(*)::int as n from pg_stat_activity
    where datname = current_database() and pid <> pg_backend_pid() and state = 'active'
  `;
  return n;
}

Deno.test("a worker killed with SIGKILL mid-batch has its jobs taken over: each payout paid once", async () => {
  const rig = await createRig();
  try {
    const { sql } = rig.db;
    const ids = await seedPayouts(rig, COUNT);
    const tag = crypto.randomUUID().slice(0, 8);
    const workerA = rig.spawn("worker.ts", {
      WORKER_NAME: `a-${tag}`,
      WORKER_CONCURRENCY: "8",
      PROVIDER_LATENCY_MS: "20",
    });
    let seen: StatusCounts = {};
    let afterKill: StatusCounts = {};
    // The jobs of one read are claimed and finished together, so there are instants with
    // nothing in processing. Freeze worker A when there is something, let the statements it
    // had sent finish, and kill it only if jobs are still cut off mid-way; else thaw it.
    await explained(
      waitFor(async () => {
        seen = await statusCounts(sql);
        if ((seen.completed ?? 0) < 50 || (seen.processing ?? 0) === 0) return false;
        Deno.kill(workerA.process.pid, "SIGSTOP");
        await waitFor(async () => await activeStatements(sql) === 0, {
          timeoutMs: DEADLINE_MS,
          message: "worker A's statements to finish",
        });
        afterKill = await statusCounts(sql);
        if ((afterKill.processing ?? 0) > 0) return true;
        Deno.kill(workerA.process.pid, "SIGCONT");
        return false;
      }, { timeoutMs: DEADLINE_MS, message: "worker A to be part-way through" }),
      () => `counts: ${JSON.stringify(seen)}\n${workerA.output().slice(-2000)}`,
    );
    const killed = await workerA.stop("SIGKILL");
    assert.equal(killed.signal, "SIGKILL");

    // The crash must have cut jobs off mid-way, or this test would prove nothing.
    assert.ok(
      (afterKill.processing ?? 0) > 0,
      `nothing in processing: ${JSON.stringify(afterKill)}`,
    );
    assert.ok((afterKill.completed ?? 0) < COUNT, `all done before the kill`);

    const workerB = rig.spawn("worker.ts", {
      WORKER_NAME: `b-${tag}`,
      CONSUMER_IDLE_DELETE_MS: "1000",
    });
    await waitForStatus(sql, "completed", COUNT);
    await assertEachCompletedAndPaidOnce(sql, ids);

    const takenOver = await sql<{ n: number }[]>`
      select count(distinct payout_id)::int as n from payout_events
      where type = 'status_changed' and to_status = 'completed' and actor = ${`worker:b-${tag}`}
        and payout_id in (
          select payout_id from payout_events
          where type = 'status_changed' and to_status = 'processing' and actor = ${`worker:a-${tag}`}
          except
          select payout_id from payout_events
          where type = 'status_changed' and to_status = 'completed' and actor = ${`worker:a-${tag}`}
        )
    `;
    assert.ok(takenOver[0].n > 0, "worker B finished payouts that worker A had started");

    // The dead worker's consumer goes once its entries were claimed and it idled long enough.
    let consumers: string[] = [];
    await explained(
      waitFor(async () => {
        const info = await rig.redis.xinfo("CONSUMERS", rig.names.stream, rig.names.group);
        consumers = (info as unknown[][]).map((fields) => String(fields[1]));
        return consumers.length === 1 && consumers[0] === `b-${tag}`;
      }, { timeoutMs: DEADLINE_MS, message: "the dead worker's consumer to be removed" }),
      () => `consumers: ${JSON.stringify(consumers)}`,
    );
    // The dead worker's entries leave its list when worker B claims them, which is what lets
    // its consumer go: B may still be deciding them (each is skipped, as its payout is done)
    // and acknowledges them within its next ack flush.
    let pending = -1;
    await explained(
      waitFor(async () => {
        [pending] = await rig.redis.xpending(rig.names.stream, rig.names.group) as [number];
        return pending === 0;
      }, { timeoutMs: DEADLINE_MS, message: "no entry to be left pending" }),
      () => `pending: ${pending}`,
    );

    const stopped = await workerB.stop("SIGTERM");
    assert.equal(stopped.code, 0, workerB.output().slice(-2000));
  } finally {
    await rig.close();
  }
});
