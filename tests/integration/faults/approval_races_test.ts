/**
 * Approvals racing PATCH, DELETE, rejections and each other while three real worker
 * processes run and every job is delivered more than once: no worker may pay a payout that
 * awaits approval, was rejected or canceled, or is not due yet, nor pay stale data.
 */
import assert from "node:assert/strict";
import type postgres from "postgres";
import { silentLogger } from "../../../src/log.ts";
import type { Actor } from "../../../src/payouts/payouts.repository.ts";
import { PayoutService } from "../../../src/payouts/payouts.service.ts";
import { StreamProducer } from "../../../src/queue/producer.ts";
import { waitFor } from "../../helpers/wait.ts";
import {
  appendJobs,
  createRig,
  DEADLINE_MS,
  explained,
  type FaultRig,
  statusCounts,
  waitForOutput,
} from "./fault_fixtures.ts";

const PER_SCENARIO = 30;
const SCHEDULED = 20;
const input = {
  amount: "125.50",
  currency: "USD",
  recipient_details: { account: "DE89370400440532013000" },
};

async function keys(sql: postgres.Sql): Promise<Record<"alice" | "bob" | "carol", Actor>> {
  const rows = await sql<{ id: string; name: string }[]>`
    insert into api_keys (name, key_hash)
    select name, encode(sha256(name::bytea), 'hex')
    from unnest(array['alice', 'bob', 'carol']) as name
    returning id, name
  `;
  const actor = (name: string) => ({
    name: `api:${name}`,
    apiKeyId: rows.find((row) => row.name === name)!.id,
  });
  return { alice: actor("alice"), bob: actor("bob"), carol: actor("carol") };
}

/** Runs both at once; a refusal (409, 403...) is an outcome, not a failure. */
function race(...actions: (() => Promise<unknown>)[]) {
  return Promise.allSettled(actions.map((action) => action()));
}

/** Waits until every job in the stream was read and acknowledged. */
async function waitForQuietStream(rig: FaultRig) {
  await waitFor(async () => {
    const groups = await rig.redis.xinfo("GROUPS", rig.names.stream) as unknown[][];
    const group = groups.map((fields) => {
      const record: Record<string, unknown> = {};
      for (let i = 0; i < fields.length; i += 2) record[String(fields[i])] = fields[i + 1];
      return record;
    }).find((record) => record.name === rig.names.group);
    return group && group.pending === 0 && group.lag === 0;
  }, { timeoutMs: DEADLINE_MS, message: "every job read and acknowledged" });
}

Deno.test("racing approvals, PATCHes, DELETEs and rejections under redelivery pay only what was approved, as approved", async () => {
  const rig = await createRig();
  try {
    const { sql } = rig.db;
    const workers = Array.from(
      { length: 3 },
      () => rig.spawn("worker.ts", { WORKER_CONCURRENCY: "8", SCHEDULE_SCAN_MS: "100" }),
    );
    for (const worker of workers) await waitForOutput(worker, "worker started");
    const producer = new StreamProducer(rig.redis, sql, rig.names.stream, silentLogger);
    const service = new PayoutService({ sql, publisher: producer });
    const { alice, bob, carol } = await keys(sql);

    const create = (extra: Record<string, unknown> = {}) =>
      service.create({ ...input, requires_approval: true, ...extra }, alice);
    const scenarios = {
      approved: [] as string[],
      patchRace: [] as string[],
      deleteRace: [] as string[],
      rejectRace: [] as string[],
      doubleApproval: [] as string[],
    };
    for (const list of Object.values(scenarios)) {
      for (let i = 0; i < PER_SCENARIO; i++) list.push((await create()).id);
    }
    // Due within a second, needing no approval: the scanner must hold them until then.
    const scheduled: string[] = [];
    for (let i = 0; i < SCHEDULED; i++) {
      const at = new Date(Date.now() + 1000 + i * 20);
      scheduled.push((await service.create({ ...input, scheduled_for: at }, alice)).id);
    }
    const all = [...Object.values(scenarios).flat(), ...scheduled];
    // Stray jobs for every payout before anything is approved or due: redeliveries.
    await appendJobs(rig, all);

    await Promise.all([
      ...scenarios.approved.map((id) => service.approve(id, null, bob)),
      ...scenarios.patchRace.map((id) =>
        race(
          () => service.approve(id, null, bob),
          () => service.update(id, { amount: "99.99" }, null, alice),
        )
      ),
      ...scenarios.deleteRace.map((id) =>
        race(() => service.approve(id, null, bob), () => service.cancel(id, null, alice))
      ),
      ...scenarios.rejectRace.map((id) =>
        race(() => service.approve(id, null, bob), () => service.reject(id, "no", null, carol))
      ),
      ...scenarios.doubleApproval.map((id) =>
        race(() => service.approve(id, null, bob), () => service.approve(id, null, carol))
      ),
    ]);
    await producer.flush();

    // Settled: nothing left pending or processing (what still needs approval stays so).
    let counts = {};
    await explained(
      waitFor(async () => {
        counts = await statusCounts(sql);
        const open = await sql`
          select 1 from payouts where status in ('pending', 'processing') limit 1
        `;
        return open.length === 0;
      }, { timeoutMs: DEADLINE_MS, intervalMs: 200, message: "every payout settled" }),
      () => JSON.stringify(counts),
    );
    // Every job delivered once more after the dust settled: still nothing new is paid.
    await appendJobs(rig, all);
    await waitForQuietStream(rig);

    const rows = await sql<
      { id: string; status: string; amount: string; paid: number; paid_amount: string | null }[]
    >`
      select p.id, p.status, p.amount::text,
        count(c.id) filter (where c.outcome = 'paid')::int as paid,
        max(c.amount::text) filter (where c.outcome = 'paid') as paid_amount
      from payouts p left join provider_calls c on c.payout_id = p.id
      group by p.id
    `;
    const byId = new Map(rows.map((row) => [row.id, row]));
    for (const row of rows) {
      if (row.status === "completed") {
        assert.equal(row.paid, 1, `${row.id} completed and paid once`);
        assert.equal(row.paid_amount, row.amount, `${row.id} paid as it stands, never stale`);
      } else {
        assert.equal(row.paid, 0, `${row.id} is ${row.status} and must never be paid`);
        assert.ok(["needs_approval", "rejected", "canceled"].includes(row.status), row.status);
      }
    }
    // Nothing that was not released was ever even claimed.
    const claimedUnreleased = await sql`
      select e.payout_id, p.status from payout_events e join payouts p on p.id = e.payout_id
      where e.type = 'status_changed' and p.status <> 'completed'
    `;
    assert.deepEqual([...claimedUnreleased], []);

    const statuses = (ids: string[]) => new Set(ids.map((id) => byId.get(id)!.status));
    assert.deepEqual(statuses(scenarios.approved), new Set(["completed"]));
    assert.deepEqual(statuses(scenarios.doubleApproval), new Set(["completed"]));
    for (const id of scenarios.rejectRace) {
      assert.ok(["completed", "rejected"].includes(byId.get(id)!.status));
    }
    for (const id of scenarios.deleteRace) {
      assert.ok(["completed", "canceled"].includes(byId.get(id)!.status));
    }
    const approvals = await sql<{ payout_id: string; n: number }[]>`
      select payout_id, count(*)::int as n from payout_events
      where type = 'approved' and payout_id = any(${scenarios.doubleApproval}::uuid[])
      group by 1
    `;
    assert.equal(approvals.length, PER_SCENARIO);
    assert.ok(approvals.every((row) => row.n === 1), "two approvers, one approval");

    // Scheduled payouts: all paid, none before its time by the database's clock.
    assert.deepEqual(statuses(scheduled), new Set(["completed"]));
    const early = await sql`
      select p.id from payouts p join provider_calls c on c.payout_id = p.id
      where p.id = any(${scheduled}::uuid[]) and c.called_at < p.scheduled_for
    `;
    assert.deepEqual([...early], [], "no scheduled payout was paid before it was due");
    // How late after its time each was paid: reported, not asserted (shared, noisy cores).
    const [lateness] = await sql<{ max_ms: number }[]>`
      select max(extract(epoch from c.called_at - p.scheduled_for) * 1000)::float8 as max_ms
      from payouts p join provider_calls c on c.payout_id = p.id
      where p.id = any(${scheduled}::uuid[])
    `;
    console.log(
      `scheduled payouts paid at most ${Math.round(lateness.max_ms)} ms after their time`,
    );

    for (const worker of workers) {
      const stopped = await worker.stop("SIGTERM");
      assert.equal(stopped.code, 0, worker.output().slice(-2000));
    }
  } finally {
    await rig.close();
  }
});
