import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { silentLogger } from "../../src/log.ts";
import { StreamProducer } from "../../src/queue/producer.ts";
import { PAYOUT_ID_FIELD } from "../../src/queue/stream_names.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { createTestStreams, type TestStreams } from "../helpers/redis.ts";
import { startRedisServer } from "../helpers/redis_server.ts";

async function withProducer(
  fn: (producer: StreamProducer, streams: TestStreams, db: TestDatabase) => Promise<void>,
): Promise<void> {
  const db = await createTestDatabase();
  const streams = createTestStreams();
  try {
    await fn(
      new StreamProducer(streams.redis, db.sql, streams.names.stream, silentLogger),
      streams,
      db,
    );
  } finally {
    await streams.cleanup();
    await db.drop();
  }
}

/** The payout id of every entry of the stream, oldest first. */
async function payoutIdsIn(redis: Redis, stream: string): Promise<string[]> {
  const entries = await redis.xrange(stream, "-", "+");
  return entries.map(([, fields]) => {
    assert.equal(fields.length, 2, `one field per entry, got ${fields}`);
    assert.equal(fields[0], PAYOUT_ID_FIELD);
    return fields[1];
  });
}

/** How many EVAL and EVALSHA calls the server has run. */
async function scriptCalls(redis: Redis): Promise<number> {
  const stats = await redis.info("commandstats");
  let calls = 0;
  for (const match of stats.matchAll(/^cmdstat_(?:eval|evalsha):calls=(\d+)/gm)) {
    calls += Number(match[1]);
  }
  return calls;
}

Deno.test("append writes one entry per payout id, in the order given, in one command", async () => {
  await withProducer(async (producer, streams) => {
    const ids = Array.from({ length: 300 }, () => crypto.randomUUID());
    const before = await scriptCalls(streams.redis);
    await producer.append(ids);
    const after = await scriptCalls(streams.redis);
    assert.deepEqual(await payoutIdsIn(streams.redis, streams.names.stream), ids);
    // One script call (two when the server had to be sent the script first), not 300 XADDs.
    assert.ok(after - before >= 1 && after - before <= 2, `${after - before} script calls`);
    // A duplicate id is appended again: workers, not the producer, skip duplicates.
    await producer.append([ids[0]]);
    await producer.append([ids[1], ids[1]]);
    const all = await payoutIdsIn(streams.redis, streams.names.stream);
    assert.deepEqual(all.slice(300), [ids[0], ids[1], ids[1]]);
  });
});

Deno.test("append fails when Redis refuses, and publishing then keeps the outbox rows", async () => {
  await withProducer(async (producer, streams, db) => {
    // A plain string where the stream should be: every XADD is refused with WRONGTYPE.
    await streams.redis.set(streams.names.stream, "not a stream");
    await assert.rejects(producer.append([crypto.randomUUID(), crypto.randomUUID()]), /WRONGTYPE/);

    const ids = [crypto.randomUUID(), crypto.randomUUID()];
    const outboxIds: string[] = [];
    for (const id of ids) {
      await db.sql`
        insert into payouts (id, amount, currency, recipient_details, status)
        values (${id}, 10, 'USD', '{"account": "A"}', 'pending')
      `;
      const [row] = await db.sql`insert into payout_outbox (payout_id) values (${id}) returning id`;
      outboxIds.push(String(row.id));
    }
    await producer.publishCreatedMany(
      ids.map((payoutId, i) => ({ payoutId, outboxId: outboxIds[i] })),
    );
    await producer.flush();
    const [{ n }] = await db.sql`select count(*)::int as n from payout_outbox`;
    assert.equal(n, 2, "both rows left for the relay");
  });
});

Deno.test("append works on a Redis that has never seen the script, and again after it restarts", async () => {
  const server = await startRedisServer();
  const redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
  const db = await createTestDatabase();
  try {
    const producer = new StreamProducer(redis, db.sql, "jobs", silentLogger);
    const first = [crypto.randomUUID(), crypto.randomUUID()];
    await producer.append(first);
    assert.deepEqual(await payoutIdsIn(redis, "jobs"), first);
    // An empty restart forgets the script as well as the stream.
    await server.stop();
    await server.start();
    const second = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    await producer.append(second);
    assert.deepEqual(await payoutIdsIn(redis, "jobs"), second);
  } finally {
    redis.disconnect();
    await server.close();
    await db.drop();
  }
});
