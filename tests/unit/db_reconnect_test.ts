import assert from "node:assert/strict";
import { RECONNECT_MAX_DELAY_S, reconnectDelaySeconds } from "../../src/db/client.ts";

Deno.test("reconnect waits grow from 0.1 s and never exceed half a second", () => {
  const longest = [1, 2, 3, 4, 10, 100].map((attempt) => reconnectDelaySeconds(attempt, 1));
  assert.deepEqual(longest, [0.1, 0.2, 0.4, 0.5, 0.5, 0.5]);
  assert.equal(RECONNECT_MAX_DELAY_S, 0.5);
});

Deno.test("reconnect waits are jittered down to half their step", () => {
  assert.equal(reconnectDelaySeconds(2, 0), 0.1);
  assert.equal(reconnectDelaySeconds(50, 0), 0.25);
  for (let i = 0; i < 100; i++) {
    const wait = reconnectDelaySeconds(8);
    assert.ok(wait >= 0.25 && wait <= 0.5, String(wait));
  }
});
