import assert from "node:assert/strict";
import { sleep } from "../../src/runtime/sleep.ts";

Deno.test("sleep resolves true when it slept the whole time", async () => {
  assert.equal(await sleep(1), true);
  assert.equal(await sleep(1, new AbortController().signal), true);
});

Deno.test("sleep resolves false at once when the signal is already aborted", async () => {
  const controller = new AbortController();
  controller.abort();
  assert.equal(await sleep(60_000, controller.signal), false);
});

Deno.test("sleep resolves false when aborted midway and leaves no timer behind", async () => {
  const controller = new AbortController();
  const slept = sleep(60_000, controller.signal);
  controller.abort();
  // A timer left running would fail this test through Deno's op sanitizer.
  assert.equal(await slept, false);
});
