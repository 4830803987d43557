/**
 * Approvals and schedules through the payout service against the real Postgres and Redis:
 * who may approve, what a PATCH does to an approval, and that no worker can take a payout
 * that awaits approval, was rejected, or is not due yet.
 */
import assert from "node:assert/strict";
import type postgres from "postgres";
import {
  FourEyesError,
  NotAwaitingApprovalError,
  PreconditionFailedError,
} from "../../src/errors.ts";
import { silentLogger } from "../../src/log.ts";
import { parseThresholds } from "../../src/payouts/approval_rule.ts";
import { payoutEtag } from "../../src/payouts/payout.ts";
import type { Actor } from "../../src/payouts/payouts.repository.ts";
import { PayoutService } from "../../src/payouts/payouts.service.ts";
import { claimPayout } from "../../src/payouts/processing.repository.ts";
import { enqueueDuePayoutsOnce } from "../../src/queue/due_scanner.ts";
import { StreamProducer } from "../../src/queue/producer.ts";
import { type TestDatabase, withTestDatabase } from "../helpers/database.ts";
import { PAYOUT_INPUT } from "../helpers/payout_drafts.ts";
import {
  createTestStreams,
  streamPayoutIds,
  type TestStreams,
  unreachableRedis,
} from "../helpers/redis.ts";
import { waitFor } from "../helpers/wait.ts";

interface Rig {
  db: TestDatabase;
  streams: TestStreams;
  producer: StreamProducer;
  service: PayoutService;
  /** Three keys: alice creates, bob and carol approve. */
  alice: Actor;
  bob: Actor;
  carol: Actor;
}

async function withRig(fn: (rig: Rig) => Promise<void>) {
  await withTestDatabase(async (db) => {
    const streams = createTestStreams();
    const producer = new StreamProducer(streams.redis, db.sql, streams.names.stream, silentLogger);
    const keys = await db.sql<{ id: string; name: string }[]>`
      insert into api_keys (name, key_hash)
      select name, encode(sha256(name::bytea), 'hex') from unnest(${[
      "alice",
      "bob",
      "carol",
    ]}::text[]) as name
      returning id, name
    `;
    const actor = (name: string) => ({
      name: `api:${name}`,
      apiKeyId: keys.find((key) => key.name === name)!.id,
    });
    try {
      await fn({
        db,
        streams,
        producer,
        service: new PayoutService({
          sql: db.sql,
          publisher: producer,
          thresholds: parseThresholds("USD=10000"),
        }),
        alice: actor("alice"),
        bob: actor("bob"),
        carol: actor("carol"),
      });
    } finally {
      await producer.flush();
      await streams.cleanup();
    }
  });
}

async function eventTypes(sql: postgres.Sql, id: string): Promise<string[]> {
  const rows = await sql<{ type: string }[]>`
    select type from payout_events where payout_id = ${id} order by id
  `;
  return rows.map((row) => row.type);
}

async function outboxCount(sql: postgres.Sql, id: string): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from payout_outbox where payout_id = ${id}
  `;
  return row.n;
}

Deno.test("a payout that needs approval is held: no job, no claim, until a second key approves", async () => {
  await withRig(async ({ db, streams, service, alice, bob }) => {
    const asked = await service.create({ ...PAYOUT_INPUT, requires_approval: true }, alice);
    const large = await service.create({ ...PAYOUT_INPUT, amount: "10000.00" }, alice);
    const small = await service.create({ ...PAYOUT_INPUT, amount: "9999.99" }, alice);
    assert.equal(asked.status, "needs_approval");
    assert.equal(asked.requiresApproval, true);
    assert.equal(large.status, "needs_approval", "at the USD threshold");
    assert.equal(small.status, "pending", "below it");
    assert.deepEqual(await streamPayoutIds(streams.redis, streams.names.stream), [small.id]);
    assert.equal(await outboxCount(db.sql, asked.id), 0, "nothing for the relay to publish");
    // A stray job (duplicate, redelivery) finds nothing to claim.
    assert.equal(await claimPayout(db.sql, asked.id, "worker:test", 60_000), undefined);

    const approved = await service.approve(asked.id, null, bob);
    assert.equal(approved.status, "pending");
    assert.ok(approved.approvedAt);
    assert.deepEqual(await streamPayoutIds(streams.redis, streams.names.stream), [
      small.id,
      asked.id,
    ]);
    assert.deepEqual(await eventTypes(db.sql, asked.id), ["created", "approved"]);
    const [event] = await db.sql`
      select from_status, to_status, actor from payout_events
      where payout_id = ${asked.id} and type = 'approved'
    `;
    assert.deepEqual({ ...event }, {
      from_status: "needs_approval",
      to_status: "pending",
      actor: "api:bob",
    });
    assert.ok(await claimPayout(db.sql, asked.id, "worker:test", 60_000));
  });
});

Deno.test("four eyes: the key that created or last changed a payout cannot approve it", async () => {
  await withRig(async ({ service, alice, bob, carol }) => {
    const payout = await service.create({ ...PAYOUT_INPUT, requires_approval: true }, alice);
    await assert.rejects(service.approve(payout.id, null, alice), FourEyesError);
    await service.update(payout.id, { description: "checked by bob" }, null, bob);
    await assert.rejects(service.approve(payout.id, null, bob), FourEyesError, "last changed");
    await assert.rejects(service.approve(payout.id, null, alice), FourEyesError, "created");
    assert.equal((await service.approve(payout.id, null, carol)).status, "pending");
    // Approved once: a second approval is a conflict, not a second release.
    await assert.rejects(service.approve(payout.id, null, carol), NotAwaitingApprovalError);
  });
});

Deno.test("approve checks 404, then 412, then the four eyes, then 409", async () => {
  await withRig(async ({ service, alice, bob }) => {
    await assert.rejects(
      service.approve(crypto.randomUUID(), { any: false, etags: ['"x"'] }, alice),
      /No payout/,
    );
    const payout = await service.create({ ...PAYOUT_INPUT, requires_approval: true }, alice);
    const stale = { any: false as const, etags: ['"00000000-9"'] };
    await assert.rejects(service.approve(payout.id, stale, alice), PreconditionFailedError);
    await assert.rejects(service.approve(payout.id, null, alice), FourEyesError);
    const pending = await service.create(PAYOUT_INPUT, alice);
    await assert.rejects(service.approve(pending.id, null, alice), FourEyesError);
    await assert.rejects(service.approve(pending.id, null, bob), NotAwaitingApprovalError);
    // A matching If-Match approves.
    const current = { any: false as const, etags: [payoutEtag(payout)] };
    assert.equal((await service.approve(payout.id, current, bob)).status, "pending");
  });
});

Deno.test("a PATCH of a payout that needs or had approval makes it need approval again", async () => {
  await withRig(async ({ db, streams, service, alice, bob }) => {
    const payout = await service.create({ ...PAYOUT_INPUT, requires_approval: true }, alice);
    assert.equal(
      (await service.update(payout.id, { amount: "1.00" }, null, alice)).status,
      "needs_approval",
      "still waiting",
    );
    // Approved, but scheduled far ahead so no worker takes it; then changed.
    const later = await service.create({
      ...PAYOUT_INPUT,
      requires_approval: true,
      scheduled_for: new Date(Date.now() + 3_600_000),
    }, alice);
    await service.approve(later.id, null, bob);
    const changed = await service.update(later.id, { amount: "2.00" }, null, alice);
    assert.equal(changed.status, "needs_approval", "an approval does not survive a change");
    assert.equal(await claimPayout(db.sql, later.id, "worker:test", 60_000), undefined);
    // A pending payout raised to the threshold needs approval too.
    const small = await service.create(PAYOUT_INPUT, alice);
    const raised = await service.update(small.id, { amount: "25000.00" }, null, alice);
    assert.equal(raised.status, "needs_approval");
    assert.equal(await claimPayout(db.sql, small.id, "worker:test", 60_000), undefined);
    const [event] = await db.sql`
      select from_status, to_status from payout_events
      where payout_id = ${small.id} and type = 'updated'
    `;
    assert.deepEqual({ ...event }, { from_status: "pending", to_status: "needs_approval" });
    // And one lowered below it, never approved, is pending and processed.
    const lowered = await service.update(raised.id, { amount: "5.00" }, null, alice);
    assert.equal(lowered.status, "needs_approval", "once it needed approval, it keeps needing it");
    assert.deepEqual(await streamPayoutIds(streams.redis, streams.names.stream), [small.id]);
  });
});

Deno.test("reject ends a payout awaiting approval: rejected with the reason, never claimable", async () => {
  await withRig(async ({ db, service, alice, bob }) => {
    const payout = await service.create({ ...PAYOUT_INPUT, requires_approval: true }, alice);
    // Four eyes guard approvals only: the creator may reject its own payout.
    const rejected = await service.reject(payout.id, "duplicate of #1138", null, alice);
    assert.equal(rejected.status, "rejected");
    assert.equal(rejected.failureReason, "duplicate of #1138");
    assert.equal((await service.get(payout.id)).status, "rejected", "still visible");
    await assert.rejects(service.approve(payout.id, null, bob), NotAwaitingApprovalError);
    await assert.rejects(service.update(payout.id, { amount: "1.00" }, null, alice), /rejected/);
    assert.equal(await claimPayout(db.sql, payout.id, "worker:test", 60_000), undefined);
    const other = await service.create({ ...PAYOUT_INPUT, requires_approval: true }, alice);
    assert.equal(
      (await service.reject(other.id, undefined, null, bob)).failureReason,
      "rejected by the approver",
    );
    const [event] = await db.sql`
      select actor, detail from payout_events where payout_id = ${payout.id} and type = 'rejected'
    `;
    assert.deepEqual({ ...event }, {
      actor: "api:alice",
      detail: { reason: "duplicate of #1138" },
    });
  });
});

Deno.test("a payout awaiting approval can be canceled", async () => {
  await withRig(async ({ db, service, alice, bob }) => {
    const payout = await service.create({ ...PAYOUT_INPUT, requires_approval: true }, alice);
    await service.cancel(payout.id, null, alice);
    await assert.rejects(service.get(payout.id), /No payout/);
    await assert.rejects(service.approve(payout.id, null, bob), /No payout/);
    const [event] = await db.sql`
      select from_status from payout_events where payout_id = ${payout.id} and type = 'canceled'
    `;
    assert.equal(event.from_status, "needs_approval");
  });
});

Deno.test("a scheduled payout is claimed by no one before its time; then the scanner enqueues it", async () => {
  await withRig(async ({ db, streams, producer, service, alice }) => {
    const at = new Date(Date.now() + 400);
    const payout = await service.create({ ...PAYOUT_INPUT, scheduled_for: at }, alice);
    assert.equal(payout.status, "pending");
    assert.equal(payout.scheduledFor?.getTime(), at.getTime());
    assert.deepEqual(await streamPayoutIds(streams.redis, streams.names.stream), [], "no job yet");
    assert.equal(await outboxCount(db.sql, payout.id), 0);
    assert.equal(await claimPayout(db.sql, payout.id, "worker:test", 60_000), undefined);
    // Redis holds no timer: wiping it loses nothing, Postgres decides when it is due.
    await streams.redis.del(streams.names.stream);

    await waitFor(async () => await enqueueDuePayoutsOnce(db.sql, producer) === 1, {
      message: "the scanner to find the payout due",
    });
    assert.deepEqual(await streamPayoutIds(streams.redis, streams.names.stream), [payout.id]);
    assert.equal(await enqueueDuePayoutsOnce(db.sql, producer), 0, "only once");
    const claim = await claimPayout(db.sql, payout.id, "worker:test", 60_000);
    assert.ok(claim);
    const [row] = await db.sql`select clock_timestamp() >= ${at} as due`;
    assert.equal(row.due, true, "claimed only once due");
  });
});

Deno.test("a due payout whose job cannot be appended stays due for the next scan", async () => {
  await withRig(async ({ db, streams, producer, service, alice }) => {
    const payout = await service.create({
      ...PAYOUT_INPUT,
      scheduled_for: new Date(Date.now() + 200),
    }, alice);
    const down = unreachableRedis();
    try {
      const offline = new StreamProducer(down, db.sql, streams.names.stream, silentLogger);
      await waitFor(async () => {
        const [row] = await db.sql`select clock_timestamp() > ${payout.scheduledFor} as due`;
        return row.due;
      });
      await assert.rejects(enqueueDuePayoutsOnce(db.sql, offline));
    } finally {
      down.disconnect();
    }
    assert.equal(await enqueueDuePayoutsOnce(db.sql, producer), 1, "rolled back, found again");
    assert.deepEqual(await streamPayoutIds(streams.redis, streams.names.stream), [payout.id]);
  });
});

Deno.test("list filters by scheduled=true|false", async () => {
  await withRig(async ({ service, alice }) => {
    const plain = await service.create(PAYOUT_INPUT, alice);
    const later = await service.create({
      ...PAYOUT_INPUT,
      scheduled_for: new Date(Date.now() + 3_600_000),
    }, alice);
    const ids = async (scheduled?: boolean) =>
      (await service.list({ scheduled })).payouts.map((payout) => payout.id);
    assert.deepEqual(await ids(true), [later.id]);
    assert.deepEqual(await ids(false), [plain.id]);
    assert.deepEqual(await ids(), [later.id, plain.id]);
  });
});
