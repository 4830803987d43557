import assert from "node:assert/strict";
import { nextRetry } from "../../src/webhooks/retry_schedule.ts";

const DEFAULT = [0, 5000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];
const middle = () => 0.5;

Deno.test("after attempt n fails, the next waits schedule[n] (jitter at its midpoint)", () => {
  const delays = [1, 2, 3, 4, 5, 6, 7].map((n) => nextRetry(DEFAULT, n, middle));
  assert.deepEqual(delays, DEFAULT.slice(1).map((delayMs) => ({ retry: true, delayMs })));
});

Deno.test("the message is given up once every attempt of the schedule was made", () => {
  assert.deepEqual(nextRetry(DEFAULT, 8, middle), { retry: false });
  assert.deepEqual(nextRetry(DEFAULT, 9, middle), { retry: false });
  assert.deepEqual(nextRetry([0], 1, middle), { retry: false }, "one attempt only");
});

Deno.test("jitter keeps each delay within ×0.8 to ×1.2 and uses the whole range", () => {
  const seen = new Set<number>();
  for (let i = 0; i <= 1000; i++) {
    const decision = nextRetry(DEFAULT, 1, () => i / 1000);
    assert.ok(decision.retry);
    assert.ok(decision.delayMs >= 4000 && decision.delayMs <= 6000, String(decision.delayMs));
    seen.add(decision.delayMs);
  }
  assert.equal(Math.min(...seen), 4000);
  assert.equal(Math.max(...seen), 6000);
});

Deno.test("a zero delay stays zero and no delay is ever negative", () => {
  assert.deepEqual(nextRetry([0, 0, 0], 1, () => 0), { retry: true, delayMs: 0 });
  for (let i = 0; i < 200; i++) {
    const decision = nextRetry([0, 1, 2], 1 + (i % 2));
    assert.ok(decision.retry && decision.delayMs >= 0 && Number.isInteger(decision.delayMs));
  }
});

Deno.test("an attempt count below one is treated like the first attempt", () => {
  assert.deepEqual(nextRetry([0, 100], 0, middle), { retry: true, delayMs: 0 });
});
