import assert from "node:assert/strict";
import postgres from "postgres";
import { startRedisServer } from "../../helpers/redis_server.ts";
import {
  appendJobs,
  assertEachCompletedAndPaidOnce,
  createRig,
  seedPayouts,
  waitForOutput,
  waitForStatus,
} from "./fault_fixtures.ts";

const ADMIN_URL = Deno.env.get("TEST_DATABASE_ADMIN_URL") ||
  "postgres://postgres@127.0.0.1:5432/postgres";

/**
 * Runs `during` while database `name` refuses new connections and the worker's sessions are
 * terminated, then opens it again whatever happened. Only that database, only the worker's
 * sessions: the rest of the server and the test's own pool are untouched.
 */
async function whileClosedToWorker(
  admin: postgres.Sql,
  name: string,
  during: () => Promise<void>,
): Promise<void> {
  await admin.unsafe(`alter database "${name}" allow_connections false`);
  try {
    await admin`
      select pg_terminate_backend(pid) from pg_stat_activity
      where datname = ${name} and application_name = 'payouts-worker'
    `;
    await during();
  } finally {
    await admin.unsafe(`alter database "${name}" allow_connections true`);
  }
}

Deno.test("a worker carries on by itself after Redis restarts and after a Postgres outage", async (t) => {
  const server = await startRedisServer();
  const rig = await createRig(server.url);
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    const { sql } = rig.db;
    const ids: string[] = [];
    const worker = rig.spawn("worker.ts");
    let exited = false;
    worker.status.then(() => (exited = true));
    ids.push(...await seedPayouts(rig, 20));
    await waitForStatus(sql, "completed", 20);

    await t.step("Redis restarts empty", async () => {
      const after = worker.output().length;
      await server.stop("SIGKILL");
      await waitForOutput(worker, "redis connection lost", { after });
      await server.start();
      // The stream and the group are gone; the worker must make the group again.
      ids.push(...await seedPayouts(rig, 20));
      await waitForStatus(sql, "completed", 40);
    });

    await t.step("Postgres refuses the worker for a while", async () => {
      const fresh = await seedPayouts(rig, 20, { publish: false });
      ids.push(...fresh);
      const after = worker.output().length;
      await whileClosedToWorker(admin, rig.db.name, async () => {
        await appendJobs(rig, fresh);
        await waitForOutput(worker, "dependency unreachable; holding the job", { after });
      });
      await waitForStatus(sql, "completed", 60);
    });

    await t.step("and takes new work afterwards", async () => {
      ids.push(...await seedPayouts(rig, 20));
      await waitForStatus(sql, "completed", 80);
    });

    assert.equal(exited, false, "the worker never exited");
    await assertEachCompletedAndPaidOnce(sql, ids);
    const stopped = await worker.stop("SIGTERM");
    assert.equal(stopped.code, 0, worker.output().slice(-2000));
  } finally {
    await admin.end();
    await rig.close();
    await server.close();
  }
});

Deno.test("a Postgres outage longer than the delivery limit allows dead-letters nothing", async () => {
  const rig = await createRig();
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    const { sql } = rig.db;
    // One delivery allowed: before jobs were held through outages, every reclaim during the
    // outage counted as a failed delivery and the payouts were failed once Postgres returned.
    const worker = rig.spawn("worker.ts", { MAX_DELIVERIES: "1", CLAIM_IDLE_MS: "1000" });
    await waitForOutput(worker, "worker started");
    const ids = await seedPayouts(rig, 10, { publish: false });
    const after = worker.output().length;
    await whileClosedToWorker(admin, rig.db.name, async () => {
      await appendJobs(rig, ids);
      await waitForOutput(worker, "dependency unreachable; holding the job", { after });
      // The outage itself: several claim-idle periods long (a fault parameter, not a wait
      // for an outcome).
      await new Promise((resolve) => setTimeout(resolve, 5000));
    });
    await waitForStatus(sql, "completed", 10);
    assert.equal(await rig.redis.xlen(rig.names.deadLetter), 0, "nothing was dead-lettered");
    await assertEachCompletedAndPaidOnce(sql, ids);
    assert.equal((await worker.stop("SIGTERM")).code, 0, worker.output().slice(-2000));
  } finally {
    await admin.end();
    await rig.close();
  }
});
