import assert from "node:assert/strict";
import { describe, OUTAGE_BACKOFF_MS, OutageRetry } from "../../src/runtime/outage_retry.ts";

/** A clock that moves only when told. */
function manualClock() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** The failures from 1 to `n`, `stepMs` apart, for which `retry` said to log. */
function loggedUpTo(
  retry: OutageRetry,
  n: number,
  clock = manualClock(),
  stepMs = 500,
): number[] {
  const logged: number[] = [];
  for (let i = 0; i < n; i++) {
    retry.fail();
    if (retry.shouldLog) logged.push(retry.failures);
    clock.advance(stepMs);
  }
  return logged;
}

Deno.test("the first failure and then one a minute at most are logged, the rest not", () => {
  const clock = manualClock();
  // A failure every 0.5 s: the 1st, then the 121st (60 s later), the 241st, ...
  assert.deepEqual(loggedUpTo(new OutageRetry(undefined, clock.now), 361, clock), [
    1,
    121,
    241,
    361,
  ]);
});

Deno.test("waits grow along the outage table and then stay at its last step", () => {
  const retry = new OutageRetry();
  const waits: number[] = [];
  for (let i = 0; i < OUTAGE_BACKOFF_MS.length + 3; i++) {
    retry.fail();
    waits.push(retry.delayMs);
  }
  assert.deepEqual(waits, [100, 250, 500, 500, 500, 500]);
  assert.ok(OUTAGE_BACKOFF_MS.every((ms) => ms <= 500), "back within a second of recovery");
});

Deno.test("a retry can use a table of its own", () => {
  const retry = new OutageRetry([10, 20]);
  retry.fail();
  assert.equal(retry.delayMs, 10);
  retry.fail();
  retry.fail();
  assert.equal(retry.delayMs, 20);
});

Deno.test("reset starts the count again, logging included", () => {
  const clock = manualClock();
  const retry = new OutageRetry(undefined, clock.now);
  loggedUpTo(retry, 5, clock);
  retry.reset();
  assert.equal(retry.failures, 0);
  assert.equal(retry.shouldLog, false);
  assert.deepEqual(loggedUpTo(retry, 3, clock), [1]);
  assert.equal(retry.delayMs, 500);
});

Deno.test("fitsBefore says whether the next try starts before a deadline", () => {
  const retry = new OutageRetry();
  retry.fail();
  assert.equal(retry.fitsBefore(performance.now() + 60_000), true);
  assert.equal(retry.fitsBefore(performance.now() + 50), false);
});

Deno.test("wait resolves false at once when the signal is already aborted", async () => {
  const retry = new OutageRetry([60_000]);
  retry.fail();
  const controller = new AbortController();
  controller.abort();
  assert.equal(await retry.wait(controller.signal), false);
});

Deno.test("describe gives an error's message, or anything else as a string", () => {
  assert.equal(describe(new Error("connection refused")), "connection refused");
  assert.equal(describe("plain"), "plain");
  assert.equal(describe(42), "42");
});
