import assert from "node:assert/strict";
import { backoffMs } from "../../src/runtime/backoff.ts";

const lowest = () => 0;
const highest = () => 0.999999;

Deno.test("backoffMs waits between half of and the whole base on the first attempt", () => {
  assert.equal(backoffMs(1, 200, 5000, lowest), 100);
  assert.equal(backoffMs(1, 200, 5000, highest), 200);
  assert.equal(backoffMs(1, 200, 5000, () => 0.5), 150);
});

Deno.test("backoffMs doubles its ceiling with every attempt", () => {
  const ceilings = [1, 2, 3, 4, 5].map((attempt) => backoffMs(attempt, 100, 100_000, highest));
  assert.deepEqual(ceilings, [100, 200, 400, 800, 1600]);
  const floors = [1, 2, 3, 4, 5].map((attempt) => backoffMs(attempt, 100, 100_000, lowest));
  assert.deepEqual(floors, [50, 100, 200, 400, 800]);
});

Deno.test("backoffMs never exceeds maxMs, however many attempts", () => {
  for (const attempt of [6, 10, 50, 1000, 10_000]) {
    assert.equal(backoffMs(attempt, 200, 5000, highest), 5000);
    assert.equal(backoffMs(attempt, 200, 5000, lowest), 2500);
  }
});

Deno.test("backoffMs treats attempt 0 and below like the first attempt", () => {
  assert.equal(backoffMs(0, 200, 5000, highest), 200);
  assert.equal(backoffMs(-3, 200, 5000, highest), 200);
});

Deno.test("backoffMs jitter stays within [ceiling/2, ceiling] and uses the whole range", () => {
  const seen = new Set<number>();
  for (let i = 0; i < 1000; i++) {
    const value = backoffMs(4, 100, 5000, () => i / 1000);
    assert.ok(value >= 400 && value <= 800, `${value} outside [400, 800]`);
    seen.add(value);
  }
  assert.equal(Math.min(...seen), 400);
  assert.equal(Math.max(...seen), 800);
  assert.ok(seen.size > 300, `only ${seen.size} distinct delays`);
});

Deno.test("backoffMs with the default random stays in range", () => {
  for (let i = 0; i < 200; i++) {
    const value = backoffMs(2, 100, 5000);
    assert.ok(Number.isInteger(value) && value >= 100 && value <= 200, String(value));
  }
});
