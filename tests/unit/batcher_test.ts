import assert from "node:assert/strict";
import { Batcher, type BatcherOptions, type BatchOutcome } from "../../src/runtime/batcher.ts";

/** A batcher over numbers whose batch call doubles them; it keeps every call it made. */
function doubling(overrides: Partial<BatcherOptions<number, number>> = {}) {
  const batches: number[][] = [];
  const singles: number[] = [];
  const reports: [number, BatchOutcome][] = [];
  const batcher = new Batcher<number, number>({
    key: (n) => String(n),
    many: (items) => {
      batches.push(items);
      return Promise.resolve(items.map((n) => n * 2));
    },
    one: (n) => {
      singles.push(n);
      return n === 13 ? Promise.reject(new Error("bad row 13")) : Promise.resolve(n * 2);
    },
    fallBack: () => true,
    onBatch: (size, outcome) => reports.push([size, outcome]),
    ...overrides,
  });
  return { batcher, batches, singles, reports };
}

Deno.test("calls made in the same task share one batch call and get their own results", async () => {
  const { batcher, batches, singles, reports } = doubling();
  const results = await Promise.all([1, 2, 3, 4].map((n) => batcher.add(n)));
  assert.deepEqual(results, [2, 4, 6, 8]);
  assert.deepEqual(batches, [[1, 2, 3, 4]]);
  assert.deepEqual(singles, []);
  assert.deepEqual(reports, [[4, "ok"]]);
});

Deno.test("a lone call is decided by the single-item call", async () => {
  const { batcher, batches, singles, reports } = doubling();
  assert.equal(await batcher.add(5), 10);
  assert.deepEqual(batches, []);
  assert.deepEqual(singles, [5]);
  assert.deepEqual(reports, []);
});

Deno.test("a failed batch is retried item by item, so only the bad item fails", async () => {
  const { batcher, singles, reports } = doubling({
    many: () => Promise.reject(new Error("batch failed")),
  });
  const results = await Promise.allSettled([12, 13, 14].map((n) => batcher.add(n)));
  assert.deepEqual(results.map((r) => r.status), ["fulfilled", "rejected", "fulfilled"]);
  assert.equal(results[0].status === "fulfilled" && results[0].value, 24);
  assert.match(String(results[1].status === "rejected" && results[1].reason), /bad row 13/);
  assert.deepEqual(singles.sort(), [12, 13, 14]);
  assert.deepEqual(reports, [[3, "fell_back"]]);
});

Deno.test("a batch error that must not fall back reaches every caller and runs nothing more", async () => {
  const outage = new Error("connection refused");
  const { batcher, singles, reports } = doubling({
    many: () => Promise.reject(outage),
    fallBack: () => false,
  });
  const results = await Promise.allSettled([1, 2].map((n) => batcher.add(n)));
  assert.deepEqual(results, [
    { status: "rejected", reason: outage },
    { status: "rejected", reason: outage },
  ]);
  assert.deepEqual(singles, []);
  assert.deepEqual(reports, [[2, "failed"]]);
});

Deno.test("a second call for the same key waits for the next batch", async () => {
  const { batcher, batches, singles } = doubling();
  const results = await Promise.all([1, 2, 1, 3, 1].map((n) => batcher.add(n)));
  assert.deepEqual(results, [2, 4, 2, 6, 2]);
  assert.deepEqual(batches, [[1, 2, 3]]);
  // Each copy of 1 comes after the one before it has been decided.
  assert.deepEqual(singles, [1, 1]);
});

Deno.test("a batch holds at most maxSize items; the rest go into the next", async () => {
  const { batcher, batches } = doubling({ maxSize: 2 });
  assert.deepEqual(await Promise.all([1, 2, 3, 4, 5].map((n) => batcher.add(n))), [
    2,
    4,
    6,
    8,
    10,
  ]);
  assert.deepEqual(batches, [[1, 2], [3, 4]]);
});

Deno.test("a batch call that returns too few results fails over to item by item", async () => {
  const { batcher, singles, reports } = doubling({ many: () => Promise.resolve([2]) });
  assert.deepEqual(await Promise.all([1, 2].map((n) => batcher.add(n))), [2, 4]);
  assert.deepEqual(singles.sort(), [1, 2]);
  assert.deepEqual(reports, [[2, "fell_back"]]);
});

Deno.test("a report that throws neither strands its batch nor stops the next", async () => {
  const { batcher } = doubling({
    onBatch: () => {
      throw new Error("metrics broke");
    },
  });
  assert.deepEqual(await Promise.all([1, 2].map((n) => batcher.add(n))), [2, 4]);
  assert.deepEqual(await Promise.all([3, 4].map((n) => batcher.add(n))), [6, 8]);
});

Deno.test("without a key, equal items share one batch", async () => {
  const { batcher, batches } = doubling({ key: undefined });
  assert.deepEqual(await Promise.all([1, 1, 1].map((n) => batcher.add(n))), [2, 2, 2]);
  assert.deepEqual(batches, [[1, 1, 1]]);
});

Deno.test("without fallBack, a failed batch's error reaches every caller", async () => {
  const outage = new Error("connection refused");
  const { batcher, singles, reports } = doubling({
    many: () => Promise.reject(outage),
    fallBack: undefined,
  });
  const results = await Promise.allSettled([1, 2].map((n) => batcher.add(n)));
  assert.deepEqual(results.map((r) => r.status), ["rejected", "rejected"]);
  assert.deepEqual(singles, []);
  assert.deepEqual(reports, [[2, "failed"]]);
});

Deno.test("flush sends what waits out its window and resolves once every item is decided", async () => {
  const { batcher, batches, singles } = doubling({ windowMs: 60_000 });
  const results = Promise.all([1, 2, 1].map((n) => batcher.add(n)));
  await batcher.flush();
  // The second 1 waited for the batch that held the first, and flush waited for it too.
  assert.deepEqual(batches, [[1, 2]]);
  assert.deepEqual(singles, [1]);
  assert.deepEqual(await results, [2, 4, 2]);
});

/** A batcher over numbers whose batch calls (doubling) return only when the test says so. */
function gated(overrides: Partial<BatcherOptions<number, number>>) {
  const calls: { items: number[]; release(): void }[] = [];
  let called = Promise.withResolvers<void>();
  const batcher = new Batcher<number, number>({
    many: async (items) => {
      const gate = Promise.withResolvers<void>();
      calls.push({ items, release: () => gate.resolve() });
      called.resolve();
      called = Promise.withResolvers<void>();
      await gate.promise;
      return items.map((n) => n * 2);
    },
    ...overrides,
  });
  /** The `n`th batch call (from 1), once it has been made. */
  const call = async (n: number) => {
    while (calls.length < n) await called.promise;
    return calls[n - 1];
  };
  return { batcher, calls, call };
}

/** Lets the current task end, so that what follows comes in a task of its own. */
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("with oneInFlight, calls that come while a batch runs wait for it, then go together", async () => {
  const { batcher, calls, call } = gated({ oneInFlight: true });
  const first = batcher.add(1);
  await call(1);
  const later: Promise<number>[] = [];
  for (const n of [2, 3, 4]) {
    later.push(batcher.add(n));
    await nextTask();
  }
  const flushed = batcher.flush();
  assert.equal(calls.length, 1, "nothing else goes while a batch call runs, not even on flush");
  calls[0].release();
  assert.equal(await first, 2);
  (await call(2)).release();
  await flushed;
  assert.deepEqual(await Promise.all(later), [4, 6, 8]);
  assert.deepEqual(calls.map((c) => c.items), [[1], [2, 3, 4]]);
});

Deno.test("with oneInFlight and no window, calls of one turn share a batch that goes before any timer", async () => {
  const { batcher, calls } = gated({ oneInFlight: true });
  const results = Promise.all([batcher.add(1), batcher.add(2)]);
  await Promise.resolve();
  assert.deepEqual(calls.map((c) => c.items), [[1, 2]]);
  calls[0].release();
  assert.deepEqual(await results, [2, 4]);
});

Deno.test("with oneInFlight, a full batch goes at once and a short one waits out its window", async () => {
  const { batcher, calls, call } = gated({ oneInFlight: true, maxSize: 2, windowMs: 60_000 });
  const full = Promise.all([batcher.add(1), batcher.add(2)]);
  assert.deepEqual(calls.map((c) => c.items), [[1, 2]], "sent by the call that filled it");
  calls[0].release();
  assert.deepEqual(await full, [2, 4]);
  const short = batcher.add(3);
  await nextTask();
  assert.equal(calls.length, 1, "a short batch waits for its window");
  const flushed = batcher.flush();
  (await call(2)).release();
  await flushed;
  assert.equal(await short, 6);
});
