import assert from "node:assert/strict";
import type postgres from "postgres";
import { ApiKeyService } from "../../src/apikeys/apikeys.service.ts";
import { requestHash } from "../../src/idempotency/request_hash.ts";
import { silentLogger } from "../../src/log.ts";
import { parseThresholds } from "../../src/payouts/approval_rule.ts";
import type { Payout } from "../../src/payouts/payout.ts";
import type { CreateInput } from "../../src/payouts/payout_rules.ts";
import type { Actor } from "../../src/payouts/payouts.repository.ts";
import { PayoutService } from "../../src/payouts/payouts.service.ts";
import { relayOutboxOnce } from "../../src/queue/outbox_relay.ts";
import { StreamProducer } from "../../src/queue/producer.ts";
import type { JobPublisher } from "../../src/queue/publisher.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { TEST_ACTOR } from "../helpers/payout_drafts.ts";
import {
  createTestStreams,
  streamPayoutIds,
  type TestStreams,
  unreachableRedis,
} from "../helpers/redis.ts";
import { waitFor } from "../helpers/wait.ts";

/**
 * Long enough that only a full batch, a statement's return or a flush sends anything: no
 * test depends on time.
 */
const NEVER_MS = 60_000;

function input(description: string, overrides: Partial<CreateInput> = {}): CreateInput {
  return {
    amount: "125.50",
    currency: "USD",
    recipient_details: { account: "DE89370400440532013000" },
    description,
    ...overrides,
  };
}

interface Rig {
  db: TestDatabase;
  streams: TestStreams;
  producer: StreamProducer;
  /** Sizes of the statements that committed, in order. */
  batches: number[];
  service(
    options?: { maxSize?: number; maxWaitMs?: number; publisher?: JobPublisher },
  ): PayoutService;
}

async function withRig(fn: (rig: Rig) => Promise<void>): Promise<void> {
  const db = await createTestDatabase();
  const streams = createTestStreams();
  const producer = new StreamProducer(streams.redis, db.sql, streams.names.stream, silentLogger);
  const batches: number[] = [];
  try {
    await fn({
      db,
      streams,
      producer,
      batches,
      service: (options = {}) =>
        new PayoutService({
          sql: db.sql,
          publisher: options.publisher ?? producer,
          thresholds: parseThresholds("USD=1000"),
          createBatch: {
            maxWaitMs: options.maxWaitMs ?? NEVER_MS,
            maxSize: options.maxSize ?? 1000,
            onBatch: (size) => batches.push(size),
          },
        }),
    });
    await producer.flush();
  } finally {
    await streams.cleanup();
    await db.drop();
  }
}

/** How many transactions wrote these payouts (`xmin` is the inserting transaction's id). */
async function transactionsOf(sql: postgres.Sql, ids: string[]): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select count(distinct xmin::text)::int as n from payouts where id = any(${ids}::uuid[])
  `;
  return row.n;
}

/**
 * Statements of this database waiting for a lock, read through `conn` (the connection that
 * holds the lock, inside its transaction: its activity snapshot is cleared first, since a
 * transaction otherwise keeps the first one it read).
 */
async function lockWaiters(conn: postgres.ReservedSql): Promise<number> {
  await conn`select pg_stat_clear_snapshot()`;
  const [row] = await conn<{ n: number }[]>`
    select count(*)::int as n from pg_stat_activity
    where datname = current_database() and wait_event_type = 'Lock'
  `;
  return row.n;
}

Deno.test("concurrent creates commit in one transaction and each caller gets its own payout", async () => {
  await withRig(async (rig) => {
    const service = rig.service({ maxSize: 20 });
    const descriptions = Array.from({ length: 20 }, (_, i) => `invoice ${i}`);
    const payouts = await Promise.all(
      descriptions.map((d) => service.create(input(d), TEST_ACTOR)),
    );

    assert.deepEqual(payouts.map((payout) => payout.description), descriptions);
    assert.equal(new Set(payouts.map((payout) => payout.id)).size, 20);
    assert.ok(payouts.every((payout) => payout.status === "pending"));
    assert.deepEqual(rig.batches, [20]);
    const ids = payouts.map((payout) => payout.id);
    assert.equal(await transactionsOf(rig.db.sql, ids), 1);
    // Each caller's payout is the stored row, as the API will show it.
    for (const payout of payouts) assert.deepEqual(await service.get(payout.id), payout);
    assert.deepEqual(
      (await streamPayoutIds(rig.streams.redis, rig.streams.names.stream)).sort(),
      [...ids].sort(),
    );
    await rig.producer.flush();
    const [{ outbox }] = await rig.db.sql<{ outbox: number }[]>`
      select count(*)::int as outbox from payout_outbox
    `;
    assert.equal(outbox, 0, "published jobs retire their outbox rows");
  });
});

Deno.test("creates beyond a full batch wait for the statement in flight and go in the order they came", async () => {
  await withRig(async (rig) => {
    const service = rig.service({ maxSize: 5 });
    const payouts = await Promise.all(
      Array.from({ length: 12 }, (_, i) => service.create(input(`n${i}`), TEST_ACTOR)),
    );
    // One statement at a time: the full first batch, then what gathered behind it, each
    // sent as the one before returned (the window never ran out).
    assert.deepEqual(rig.batches, [5, 5, 2]);
    assert.deepEqual(
      payouts.map((payout) => payout.description),
      Array.from({ length: 12 }, (_, i) => `n${i}`),
    );
    const stored = await rig.db.sql<{ description: string }[]>`
      select description from payouts order by created_at, id
    `;
    assert.deepEqual(stored.map((row) => row.description), payouts.map((p) => p.description));
  });
});

Deno.test("flush sends the creates still waiting out their window and waits for their commit", async () => {
  await withRig(async (rig) => {
    const service = rig.service({ maxSize: 5 });
    const created = Promise.all(
      Array.from({ length: 3 }, (_, i) => service.create(input(`w${i}`), TEST_ACTOR)),
    );
    const count = async () =>
      (await rig.db.sql<{ n: number }[]>`select count(*)::int as n from payouts`)[0].n;
    assert.equal(await count(), 0, "a batch short of its size waits for its window");
    await service.flush();
    assert.equal(await count(), 3);
    assert.deepEqual(rig.batches, [3]);
    assert.equal((await created).length, 3);
  });
});

Deno.test("with no window an idle batcher sends a create at once", async () => {
  await withRig(async (rig) => {
    const service = rig.service({ maxSize: 64, maxWaitMs: 0 });
    const payout = await service.create(input("alone"), TEST_ACTOR);
    assert.deepEqual(rig.batches, [1]);
    assert.equal((await service.get(payout.id)).description, "alone");
  });
});

Deno.test("creates that arrive while a statement is in flight share the next one", async () => {
  await withRig(async (rig) => {
    const service = rig.service({ maxSize: 64, maxWaitMs: 0 });
    // Hold the first statement inside Postgres: an insert waits for this lock. Every query
    // of the test goes through the lock's own connection, which is never blocked.
    const locker = await rig.db.sql.reserve();
    try {
      await locker`begin`;
      await locker`lock table payouts in share mode`;
      const first = service.create(input("first"), TEST_ACTOR);
      await waitFor(async () => await lockWaiters(locker) === 1, {
        message: "the first create's statement to wait for the lock",
      });
      // Each arrives a database round trip after the one before: without the rule, each
      // would have gone in a statement of its own.
      const later: Promise<Payout>[] = [];
      for (let i = 0; i < 20; i++) {
        later.push(service.create(input(`later ${i}`), TEST_ACTOR));
        await locker`select 1`;
      }
      assert.equal(
        await lockWaiters(locker),
        1,
        "one statement in flight, however many creates wait",
      );
      await locker`commit`;
      await first;
      const payouts = await Promise.all(later);
      assert.deepEqual(rig.batches, [1, 20]);
      assert.equal(await transactionsOf(rig.db.sql, payouts.map((payout) => payout.id)), 1);
    } finally {
      await locker`rollback`.catch(() => {});
      locker.release();
    }
  });
});

Deno.test("a row the database refuses fails its own create only; the rest of its batch commits", async () => {
  await withRig(async (rig) => {
    // A rule only the database knows: the row passes validation and fails in SQL.
    await rig.db.sql.unsafe(`
      create function refuse_poison() returns trigger language plpgsql as $$
      begin
        if new.description = 'poison' then
          raise exception 'poison payout refused' using errcode = 'check_violation';
        end if;
        return new;
      end $$;
      create trigger refuse_poison before insert on payouts
        for each row execute function refuse_poison();
    `);
    const service = rig.service({ maxSize: 10 });
    const descriptions = Array.from({ length: 10 }, (_, i) => i === 3 ? "poison" : `ok ${i}`);
    const outcomes = await Promise.allSettled(
      descriptions.map((d) => service.create(input(d), TEST_ACTOR)),
    );

    const refused = outcomes[3];
    assert.equal(refused.status, "rejected");
    assert.match(String((refused as PromiseRejectedResult).reason), /poison payout refused/);
    const created = outcomes.filter((o) => o.status === "fulfilled").map((o) => o.value);
    assert.deepEqual(
      created.map((payout) => payout.description),
      descriptions.filter((d) => d !== "poison"),
    );
    // The batch statement failed as a whole; each good row then committed on its own.
    assert.deepEqual(rig.batches, Array(9).fill(1));
    const ids = created.map((payout) => payout.id);
    const stored = await rig.db.sql<{ id: string }[]>`select id from payouts`;
    assert.deepEqual(stored.map((row) => row.id).sort(), [...ids].sort());
    const [{ events, outbox }] = await rig.db.sql<{ events: number; outbox: number }[]>`
      select (select count(*)::int from payout_events) as events,
        (select count(*)::int from payout_outbox) as outbox
    `;
    assert.equal(events, 9);
    assert.equal(outbox, 9, "the rejected row left no outbox row behind");
    assert.deepEqual(
      (await streamPayoutIds(rig.streams.redis, rig.streams.names.stream)).sort(),
      [...ids].sort(),
    );
  });
});

/** What a create wrote, without the values that differ by design (ids and times). */
async function written(sql: postgres.Sql, id: string) {
  const [payout] = await sql`
    select amount::text, currency, recipient_details, description, status, version,
      scheduled_for, requires_approval, api_key_id, updated_by_api_key_id,
      (select count(*)::int from payout_outbox o where o.payout_id = p.id) as outbox_rows
    from payouts p where id = ${id}
  `;
  const events = await sql`
    select type, from_status, to_status, actor, detail from payout_events
    where payout_id = ${id} order by id
  `;
  const messages = await sql`
    select event_type, data - 'id' - 'created_at' - 'updated_at' as data
    from webhook_messages where payout_id = ${id} order by event_type
  `;
  return { payout, events: [...events], messages: [...messages] };
}

Deno.test("batched creates write exactly what unbatched ones do: approval, schedules, outbox, webhooks", async () => {
  await withRig(async (rig) => {
    await rig.db.sql`
      insert into webhook_endpoints (url, events, secret)
      values ('https://hooks.example.com/a', array['*'], 'whsec_test')
    `;
    const later = new Date(Date.now() + 3_600_000);
    const inputs: CreateInput[] = [
      input("due now"),
      input("over the threshold", { amount: "5000.00" }),
      input("asked for approval", { requires_approval: true }),
      input("scheduled", { scheduled_for: later }),
      input("scheduled, over the threshold", { amount: "5000.00", scheduled_for: later }),
      input("yen", { amount: "1000", currency: "JPY" }),
    ];
    const keyed: Actor = { name: "api:batch-test", apiKeyId: crypto.randomUUID() };
    const service = rig.service({ maxSize: inputs.length });
    const batched = await Promise.all(inputs.map((one) => service.create(one, keyed)));
    assert.equal(await transactionsOf(rig.db.sql, batched.map((payout) => payout.id)), 1);
    const single = new PayoutService({
      sql: rig.db.sql,
      publisher: rig.producer,
      thresholds: parseThresholds("USD=1000"),
    });
    const alone = [];
    for (const one of inputs) alone.push(await single.create(one, keyed));

    assert.deepEqual(
      batched.map((payout) => payout.status),
      ["pending", "needs_approval", "needs_approval", "pending", "needs_approval", "pending"],
    );
    for (let i = 0; i < inputs.length; i++) {
      assert.deepEqual(
        await written(rig.db.sql, batched[i].id),
        await written(rig.db.sql, alone[i].id),
        inputs[i].description,
      );
    }
    // Only payouts that may be processed now are enqueued.
    const enqueued = await streamPayoutIds(rig.streams.redis, rig.streams.names.stream);
    const due = (payouts: typeof batched) => [payouts[0].id, payouts[5].id];
    assert.deepEqual(enqueued.sort(), [...due(batched), ...due(alone)].sort());
  });
});

Deno.test("batched creates succeed while Redis is unreachable and the relay publishes their jobs", async () => {
  await withRig(async (rig) => {
    const down = unreachableRedis();
    try {
      const offline = new StreamProducer(down, rig.db.sql, rig.streams.names.stream, silentLogger);
      const service = rig.service({ maxSize: 8, publisher: offline });
      const payouts = await Promise.all(
        Array.from({ length: 8 }, (_, i) => service.create(input(`offline ${i}`), TEST_ACTOR)),
      );
      assert.deepEqual(rig.batches, [8]);
      await offline.flush();
      assert.equal(await rig.streams.redis.exists(rig.streams.names.stream), 0);
      assert.equal(await relayOutboxOnce(rig.db.sql, rig.producer, 0), 8);
      assert.deepEqual(
        (await streamPayoutIds(rig.streams.redis, rig.streams.names.stream)).sort(),
        payouts.map((payout) => payout.id).sort(),
      );
    } finally {
      down.disconnect();
    }
  });
});

Deno.test("creates under an Idempotency-Key keep their own transaction, outside any batch", async () => {
  await withRig(async (rig) => {
    const { record } = await new ApiKeyService(rig.db.sql).create("batch-idem");
    const apiKeyId = record.id;
    const service = rig.service({ maxSize: 2 });
    const keyed: Actor = { name: "api:batch-idem", apiKeyId };
    const respond = (payout: { id: string }) => ({ status: 201, headers: {}, body: payout.id });
    const outcomes = await Promise.all(
      ["k1", "k2"].map((key) =>
        service.createIdempotent(input(key), keyed, {
          apiKeyId,
          key,
          requestHash: requestHash(key),
        }, respond)
      ),
    );
    assert.deepEqual(rig.batches, [], "no batch statement ran");
    const ids = outcomes.map((outcome) => String(outcome.response.body));
    assert.equal(await transactionsOf(rig.db.sql, ids), 2);
  });
});

Deno.test("a batch report that throws neither retries nor fails the creates that committed", async () => {
  await withRig(async (rig) => {
    const service = new PayoutService({
      sql: rig.db.sql,
      publisher: rig.producer,
      createBatch: {
        maxWaitMs: NEVER_MS,
        maxSize: 5,
        onBatch: () => {
          throw new Error("metrics broke");
        },
      },
    });
    const payouts = await Promise.all(
      Array.from({ length: 5 }, (_, i) => service.create(input(`r${i}`), TEST_ACTOR)),
    );
    assert.equal(await transactionsOf(rig.db.sql, payouts.map((payout) => payout.id)), 1);
    const [{ n }] = await rig.db.sql<{ n: number }[]>`select count(*)::int as n from payouts`;
    assert.equal(n, 5);
  });
});
