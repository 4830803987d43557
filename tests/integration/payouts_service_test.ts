import assert from "node:assert/strict";
import type postgres from "postgres";
import { NotPendingError } from "../../src/errors.ts";
import { silentLogger } from "../../src/log.ts";
import { claimPayout } from "../../src/payouts/processing.repository.ts";
import { PayoutService } from "../../src/payouts/payouts.service.ts";
import { relayOutboxOnce } from "../../src/queue/outbox_relay.ts";
import { StreamProducer } from "../../src/queue/producer.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { PAYOUT_INPUT, TEST_ACTOR } from "../helpers/payout_drafts.ts";
import {
  createTestStreams,
  streamPayoutIds,
  type TestStreams,
  unreachableRedis,
} from "../helpers/redis.ts";

async function outboxIds(sql: postgres.Sql, payoutId: string): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    select id::text from payout_outbox where payout_id = ${payoutId}
  `;
  return rows.map((row) => row.id);
}

interface Rig {
  db: TestDatabase;
  streams: TestStreams;
  producer: StreamProducer;
  service: PayoutService;
}

/**
 * Runs `fn` with a test database, test streams and a payout service whose producer uses the
 * test Redis, or with `redisDown` a client on a closed port; everything is closed after.
 */
async function withService(
  fn: (rig: Rig) => Promise<void>,
  { redisDown = false } = {},
): Promise<void> {
  const db = await createTestDatabase();
  const streams = createTestStreams();
  const down = redisDown ? unreachableRedis() : undefined;
  try {
    const producer = new StreamProducer(
      down ?? streams.redis,
      db.sql,
      streams.names.stream,
      silentLogger,
    );
    const service = new PayoutService({ sql: db.sql, publisher: producer });
    await fn({ db, streams, producer, service });
  } finally {
    down?.disconnect();
    await streams.cleanup();
    await db.drop();
  }
}

Deno.test("create appends the job after commit and retires the outbox row on flush", () =>
  withService(async ({ db, streams, producer, service }) => {
    const payout = await service.create(PAYOUT_INPUT, TEST_ACTOR);
    assert.deepEqual(await streamPayoutIds(streams.redis, streams.names.stream), [payout.id]);
    await producer.flush();
    assert.deepEqual(await outboxIds(db.sql, payout.id), []);
    assert.equal((await service.get(payout.id)).status, "pending");
  }));

Deno.test("create succeeds while Redis is unreachable and the relay publishes the job later", () =>
  withService(async ({ db, streams, producer: offline, service }) => {
    const payout = await service.create(PAYOUT_INPUT, TEST_ACTOR);
    assert.equal(payout.status, "pending");
    await offline.flush();
    const [outboxId] = await outboxIds(db.sql, payout.id);
    assert.ok(outboxId, "the outbox row stays while the job is unpublished");
    assert.equal(await streams.redis.exists(streams.names.stream), 0);

    const online = new StreamProducer(streams.redis, db.sql, streams.names.stream, silentLogger);
    // Rows younger than the relay delay are left to the API that wrote them.
    assert.equal(await relayOutboxOnce(db.sql, online, 60_000), 0);
    assert.equal(await relayOutboxOnce(db.sql, online, 0), 1);
    assert.deepEqual(await streamPayoutIds(streams.redis, streams.names.stream), [payout.id]);
    assert.deepEqual(await outboxIds(db.sql, payout.id), []);
    assert.equal(await relayOutboxOnce(db.sql, online, 0), 0);
  }, { redisDown: true }));

Deno.test("the relay keeps the outbox row when Redis refuses the job", () =>
  withService(async ({ db, producer: offline, service }) => {
    const payout = await service.create(PAYOUT_INPUT, TEST_ACTOR);
    await assert.rejects(relayOutboxOnce(db.sql, offline, 0));
    assert.equal((await outboxIds(db.sql, payout.id)).length, 1);
  }, { redisDown: true }));

Deno.test("a PATCH racing a worker claim never changes a payout that is processing", () =>
  withService(async ({ db, producer, service }) => {
    for (let i = 0; i < 40; i++) {
      const payout = await service.create(PAYOUT_INPUT, TEST_ACTOR);
      const [patch, claim] = await Promise.all([
        service.update(payout.id, { amount: "999.99" }, null, TEST_ACTOR).then(
          (updated) => ({ ok: true as const, updated }),
          (error) => ({ ok: false as const, error }),
        ),
        claimPayout(db.sql, payout.id, "worker:race", 60_000),
      ]);
      assert.ok(claim, "the claim always succeeds: the payout was pending or patched");
      const [row] = await db.sql<{ amount: string; status: string }[]>`
        select amount::text, status from payouts where id = ${payout.id}
      `;
      assert.equal(row.status, "processing");
      // The invariant: the worker pays exactly what is stored.
      assert.equal(row.amount, claim.payout.amountMinor === 99999n ? "999.9900" : "125.5000");
      if (patch.ok) {
        assert.equal(claim.payout.amountMinor, 99999n, "a PATCH that answered 200 is paid");
        assert.ok(claim.payout.version > patch.updated.version);
      } else {
        assert.ok(patch.error instanceof NotPendingError, String(patch.error));
        assert.equal(claim.payout.amountMinor, 12550n);
      }
    }
    await producer.flush();
  }));
