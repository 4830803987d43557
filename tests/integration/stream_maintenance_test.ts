import assert from "node:assert/strict";
import { ensureGroup, readEntries } from "../../src/queue/job_stream.ts";
import { removeIdleConsumers, trimAcknowledged } from "../../src/queue/stream_maintenance.ts";
import { PAYOUT_ID_FIELD } from "../../src/queue/stream_names.ts";
import { createTestStreams } from "../helpers/redis.ts";
import { waitFor } from "../helpers/wait.ts";

type Consumer = { name: string; pending: number; idle: number };

Deno.test("trimAcknowledged drops acknowledged entries only, never pending or undelivered ones", async (t) => {
  const { redis, names, cleanup } = createTestStreams();
  try {
    await ensureGroup(redis, names);
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      ids.push((await redis.xadd(names.stream, "*", PAYOUT_ID_FIELD, `payout-${i}`))!);
    }
    const remaining = async () => (await redis.xrange(names.stream, "-", "+")).map(([id]) => id);

    // Entries 0-5 delivered; 0, 1, 2 and 4 acknowledged; 3 and 5 pending; 6-9 undelivered.
    await readEntries(redis, names, "c1", ">", 6, 100);
    await redis.xack(names.stream, names.group, ids[0], ids[1], ids[2], ids[4]);

    await t.step("up to the oldest pending entry", async () => {
      assert.equal(await trimAcknowledged(redis, names), 3);
      assert.deepEqual(await remaining(), ids.slice(3));
      // The pending entries keep their payloads: a worker that claims them can still act.
      const own = await readEntries(redis, names, "c1", "0", 10, 100);
      assert.deepEqual(own, [
        { id: ids[3], payoutId: "payout-3" },
        { id: ids[5], payoutId: "payout-5" },
      ]);
    });

    await t.step("everything delivered and acknowledged once nothing is pending", async () => {
      await redis.xack(names.stream, names.group, ids[3], ids[5]);
      assert.equal(await trimAcknowledged(redis, names), 3);
      assert.deepEqual(await remaining(), ids.slice(6), "the undelivered entries stay");
      assert.equal(await redis.xlen(names.stream), 4);
      const fresh = await readEntries(redis, names, "c1", ">", 10, 100);
      assert.deepEqual(
        fresh.map((entry) => entry.payoutId),
        [6, 7, 8, 9].map((i) => `payout-${i}`),
      );
    });

    await t.step("a second group that has read nothing keeps every entry", async () => {
      await redis.xgroup("CREATE", names.stream, `${names.group}:other`, "0");
      await redis.xack(names.stream, names.group, ...ids.slice(6));
      assert.equal(await trimAcknowledged(redis, names), 0);
      assert.deepEqual(await remaining(), ids.slice(6));
    });
  } finally {
    await cleanup();
  }
});

Deno.test("an idle stream trims down to empty and still takes new jobs", async () => {
  const { redis, names, cleanup } = createTestStreams();
  try {
    await ensureGroup(redis, names);
    await redis.xadd(names.stream, "*", PAYOUT_ID_FIELD, "payout-0");
    const [entry] = await readEntries(redis, names, "c1", ">", 10, 100);
    await redis.xack(names.stream, names.group, entry.id);

    assert.equal(await trimAcknowledged(redis, names), 1);
    assert.equal(await redis.xlen(names.stream), 0);
    // The group survives an empty stream and delivers what comes next.
    await redis.xadd(names.stream, "*", PAYOUT_ID_FIELD, "payout-1");
    const next = await readEntries(redis, names, "c1", ">", 10, 100);
    assert.deepEqual(next.map((e) => e.payoutId), ["payout-1"]);
  } finally {
    await cleanup();
  }
});

Deno.test("removeIdleConsumers removes only consumers with nothing pending, idle long enough", async () => {
  const { redis, names, cleanup } = createTestStreams();
  try {
    const IDLE_MS = 1000;
    await ensureGroup(redis, names);
    await redis.xadd(names.stream, "*", PAYOUT_ID_FIELD, "payout-0");
    const consumers = async () =>
      (await redis.xinfo("CONSUMERS", names.stream, names.group) as unknown[][]).map((flat) => {
        const field = (name: string) => flat[flat.indexOf(name) + 1];
        return {
          name: String(field("name")),
          pending: Number(field("pending")),
          idle: Number(field("idle")),
        } as Consumer;
      });

    await redis.xgroup("CREATECONSUMER", names.stream, names.group, "gone");
    await redis.xgroup("CREATECONSUMER", names.stream, names.group, "self");
    await readEntries(redis, names, "busy", ">", 1, 100);
    // XINFO does not count as activity, so polling it lets them age.
    await waitFor(async () => (await consumers()).every((c) => c.idle >= IDLE_MS), {
      timeoutMs: 30_000,
      message: "the consumers to idle",
    });
    await redis.xgroup("CREATECONSUMER", names.stream, names.group, "fresh");

    const removed = await removeIdleConsumers(redis, names, IDLE_MS, "self");
    assert.deepEqual(removed, ["gone"]);
    const left = (await consumers()).map((c) => [c.name, c.pending]).sort();
    assert.deepEqual(left, [["busy", 1], ["fresh", 0], ["self", 0]]);
  } finally {
    await cleanup();
  }
});
