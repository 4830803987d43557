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
