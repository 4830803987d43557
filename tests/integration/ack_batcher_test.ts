import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { AckBatcher } from "../../src/queue/ack_batcher.ts";
import { ensureGroup, readEntries } from "../../src/queue/job_stream.ts";
import { PAYOUT_ID_FIELD } from "../../src/queue/stream_names.ts";
import { createTestStreams, TEST_REDIS_URL, type TestStreams } from "../helpers/redis.ts";
import { waitFor } from "../helpers/wait.ts";

/** Appends `n` entries and delivers them to one consumer; returns their ids. */
async function delivered(streams: TestStreams, n: number): Promise<string[]> {
  await ensureGroup(streams.redis, streams.names);
  for (let i = 0; i < n; i++) {
    await streams.redis.xadd(streams.names.stream, "*", PAYOUT_ID_FIELD, crypto.randomUUID());
  }
  const entries = await readEntries(streams.redis, streams.names, "c1", ">", n, 100);
  assert.equal(entries.length, n);
  return entries.map((entry) => entry.id);
}

async function pending(streams: TestStreams): Promise<number> {
  const [count] = await streams.redis.xpending(streams.names.stream, streams.names.group) as [
    number,
  ];
  return count;
}

Deno.test("acks queued together go out as one XACK once the flush interval passes", async () => {
  const streams = createTestStreams();
  try {
    const ids = await delivered(streams, 3);
    const errors: unknown[] = [];
    // Its own client, so that every XACK it sends is seen here.
    const client = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    const sent = countXacks(client);
    try {
      const acks = new AckBatcher(client, streams.names, (e) => errors.push(e), 50);
      for (const id of ids) acks.add(id);
      assert.equal(await pending(streams), 3, "nothing is sent at once");
      await waitFor(async () => await pending(streams) === 0, { message: "the acks sent" });
      assert.deepEqual(sent, [3], "one XACK carried all three");
    } finally {
      client.disconnect();
    }
    assert.deepEqual(errors, []);
  } finally {
    await streams.cleanup();
  }
});

Deno.test("flush sends what is queued at once", async () => {
  const streams = createTestStreams();
  try {
    const ids = await delivered(streams, 2);
    const acks = new AckBatcher(streams.redis, streams.names, () => {}, 60_000);
    for (const id of ids) acks.add(id);
    await acks.flush();
    assert.equal(await pending(streams), 0);
    await acks.flush(); // nothing queued: no command, no error
  } finally {
    await streams.cleanup();
  }
});

Deno.test("a batch Redis refuses is reported, and its entries stay pending", async () => {
  const streams = createTestStreams();
  const broken = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 0, lazyConnect: true });
  broken.disconnect();
  try {
    const ids = await delivered(streams, 2);
    const errors: unknown[] = [];
    const acks = new AckBatcher(broken, streams.names, (e) => errors.push(e), 60_000);
    for (const id of ids) acks.add(id);
    await acks.flush();
    assert.equal(errors.length, 1);
    assert.equal(await pending(streams), 2);
  } finally {
    await streams.cleanup();
  }
});

/** The number of ids in each XACK `redis` sends from now on (the real command still runs). */
function countXacks(redis: Redis): number[] {
  const sent: number[] = [];
  const xack = redis.xack.bind(redis) as (...args: unknown[]) => Promise<number>;
  (redis as unknown as { xack: (...args: unknown[]) => Promise<number> }).xack = (...args) => {
    sent.push(args.length - 2); // stream and group, then the ids
    return xack(...args);
  };
  return sent;
}
