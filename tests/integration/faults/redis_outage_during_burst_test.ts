import assert from "node:assert/strict";
import { ApiKeyService } from "../../../src/apikeys/apikeys.service.ts";
import { outboxBacklog } from "../../../src/queue/outbox.repository.ts";
import { freePort } from "../../helpers/processes.ts";
import { startRedisServer } from "../../helpers/redis_server.ts";
import { waitFor } from "../../helpers/wait.ts";
import {
  assertEachCompletedAndPaidOnce,
  createRig,
  DEADLINE_MS,
  waitForOutput,
  waitForStatus,
} from "./fault_fixtures.ts";

const COUNT = 300;
const STOP_REDIS_AFTER = 100;
const CLIENTS = 10;

Deno.test("payouts created while Redis is down, or whose jobs a Redis restart lost, are all processed", async () => {
  const server = await startRedisServer();
  const rig = await createRig(server.url);
  try {
    const { sql } = rig.db;
    const { key } = await new ApiKeyService(sql).create(
      `faults-${crypto.randomUUID().slice(0, 8)}`,
    );
    const port = freePort();
    const api = rig.spawn("main.ts", { PORT: String(port), HOST: "127.0.0.1" });
    const worker = rig.spawn("worker.ts", {
      // Longer than the outage, as the production default (20 s) is: the stream gets new
      // entries sooner than this after the lost jobs, which once hid them from the reconciler.
      RECONCILE_STALE_MS: "5000",
    });
    await waitForOutput(api, "api listening");
    await waitForOutput(worker, "worker started");
    await waitFor(async () => (await rig.redis.xinfo("GROUPS", rig.names.stream) as []).length, {
      timeoutMs: DEADLINE_MS,
      message: "the worker to create its consumer group",
    });
    // A worker that cannot keep up: the first jobs are still in the stream when Redis dies.
    worker.process.kill("SIGSTOP");

    const statuses: number[] = [];
    const ids: string[] = [];
    let slowestMs = 0;
    let next = 0;
    let redisStopped: Promise<void> | undefined;
    const post = async () => {
      const started = performance.now();
      const response = await fetch(`http://127.0.0.1:${port}/api/payouts/`, {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body: JSON.stringify({
          amount: "12.34",
          currency: "EUR",
          recipient_details: { account: "DE89370400440532013000" },
        }),
      });
      const body = await response.json();
      slowestMs = Math.max(slowestMs, performance.now() - started);
      statuses.push(response.status);
      if (response.status === 201) ids.push(body.id);
      if (statuses.length === STOP_REDIS_AFTER) redisStopped = server.stop("SIGKILL");
    };
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (next < COUNT) {
          next++;
          await post();
        }
      }),
    );
    await redisStopped;
    console.log(`slowest POST while Redis went down: ${Math.round(slowestMs)} ms`);

    assert.equal(statuses.length, COUNT);
    assert.deepEqual(statuses.filter((status) => status !== 201), [], "every POST answered 201");
    assert.equal(new Set(ids).size, COUNT);
    // Jobs that could not be appended wait in the outbox; the rest were in the stream.
    assert.ok((await outboxBacklog(sql)).count > 0, "some POSTs found Redis down");
    const [{ lost }] = await sql<{ lost: number }[]>`
      select count(*)::int as lost from payouts p
      where status = 'pending' and not exists (select 1 from payout_outbox o where o.payout_id = p.id)
    `;
    assert.ok(lost > 0, "some jobs were in the stream only, and go with it");

    // Back, empty: no stream, no group, no entries.
    worker.process.kill("SIGCONT");
    await server.start();
    await waitForStatus(sql, "completed", COUNT);
    await assertEachCompletedAndPaidOnce(sql, ids);
    assert.equal((await outboxBacklog(sql)).count, 0, "the outbox is drained");

    for (const child of [api, worker]) {
      const status = await child.stop("SIGTERM");
      assert.equal(status.code, 0, child.output().slice(-2000));
    }
  } finally {
    await rig.close();
    await server.close();
  }
});
