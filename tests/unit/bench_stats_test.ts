import assert from "node:assert/strict";
import { median, percentile, ratio } from "../../bench/stats.ts";

Deno.test("median: the middle value, the mean of the middle two, 0 when empty", () => {
  assert.equal(median([0.7, 0.4, 0.55]), 0.55);
  assert.equal(median([3, 1, 4, 2]), 2.5);
  assert.equal(median([5]), 5);
  assert.equal(median([]), 0);
});

Deno.test("percentile: nearest rank over sorted values", () => {
  const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  assert.equal(percentile(values, 50), 5);
  assert.equal(percentile(values, 90), 9);
  assert.equal(percentile(values, 99), 10);
  assert.equal(percentile([], 50), 0);
});

Deno.test("ratio: rounded to three places, 0 when nothing was measured", () => {
  assert.equal(ratio(1, 3), 0.333);
  assert.equal(ratio(5, 0), 0);
});
