import assert from "node:assert/strict";
import { describe, OUTAGE_BACKOFF_MS, OutageRetry } from "../../src/runtime/outage_retry.ts";

/** The failures from 1 to `n` for which `retry` said to log. */
function loggedUpTo(retry: OutageRetry, n: number): number[] {
  const logged: number[] = [];
  for (let i = 0; i < n; i++) {
    retry.fail();
    if (retry.shouldLog) logged.push(retry.failures);
  }
  return logged;
}

Deno.test("the first failure and every 20th after it are logged, the rest not", () => {
  assert.deepEqual(loggedUpTo(new OutageRetry(), 61), [1, 20, 40, 60]);
});

Deno.test("waits grow along the outage table and then stay at its last step", () => {
  const retry = new OutageRetry();
  const waits: number[] = [];
  for (let i = 0; i < OUTAGE_BACKOFF_MS.length + 3; i++) {
    retry.fail();
    waits.push(retry.delayMs);
  }
  assert.deepEqual(waits, [100, 250, 500, 1000, 2000, 5000, 5000, 5000, 5000]);
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
  const retry = new OutageRetry();
  loggedUpTo(retry, 5);
  retry.reset();
  assert.equal(retry.failures, 0);
  assert.deepEqual(loggedUpTo(retry, 20), [1, 20]);
  assert.equal(retry.delayMs, 5000);
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
