import assert from "node:assert/strict";
import { outboxBacklog } from "../../../src/queue/outbox.repository.ts";
import { waitFor } from "../../helpers/wait.ts";
import {
  appendJobs,
  assertEachCompletedAndPaidOnce,
  createRig,
  DEADLINE_MS,
  explained,
  seedPayouts,
  waitForStatus,
} from "./fault_fixtures.ts";

const PAYOUTS = 40;
const COPIES = 5;

Deno.test("duplicate jobs for the same payout, from producers and the relay, pay it once", async () => {
  const rig = await createRig();
  try {
    const { sql } = rig.db;
    // One job each from the producer; the kept outbox rows make the relay publish again.
    const ids = await seedPayouts(rig, PAYOUTS, { keepOutbox: true });
    for (let copy = 1; copy < COPIES; copy++) await appendJobs(rig, ids);

    // Two workers, so copies of one job run at the same moment in different processes.
    const workers = [rig.spawn("worker.ts"), rig.spawn("worker.ts")];
    await waitForStatus(sql, "completed", PAYOUTS);
    await waitFor(async () => (await outboxBacklog(sql)).count === 0, {
      timeoutMs: DEADLINE_MS,
      message: "the relay to publish the outbox rows again",
    });
    // Every copy, the relayed ones included, has been delivered and acknowledged.
    let groups: unknown[] = [];
    await explained(
      waitFor(async () => {
        groups = await rig.redis.xinfo("GROUPS", rig.names.stream) as unknown[];
        const group = groups[0] as unknown[];
        const field = (name: string) => group[group.indexOf(name) + 1];
        return field("pending") === 0 && field("lag") === 0 &&
          Number(field("entries-read")) >= PAYOUTS * (COPIES + 1);
      }, { timeoutMs: DEADLINE_MS, message: "every copy to be handled" }),
      () => `groups: ${JSON.stringify(groups)}`,
    );

    await assertEachCompletedAndPaidOnce(sql, ids);
    // The copies never reached the provider: the conditional claim turned them away.
    const calls = await sql<{ outcome: string; n: number }[]>`
      select outcome, count(*)::int as n from provider_calls group by 1
    `;
    assert.deepEqual([...calls], [{ outcome: "paid", n: PAYOUTS }]);
    const transitions = await sql<{ to_status: string; n: number }[]>`
      select to_status, count(*)::int as n from payout_events
      where type = 'status_changed' group by 1 order by 1
    `;
    assert.deepEqual([...transitions], [
      { to_status: "completed", n: PAYOUTS },
      { to_status: "processing", n: PAYOUTS },
    ]);
    for (const worker of workers) {
      const stopped = await worker.stop("SIGTERM");
      assert.equal(stopped.code, 0, worker.output().slice(-2000));
    }
  } finally {
    await rig.close();
  }
});
