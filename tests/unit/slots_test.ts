import assert from "node:assert/strict";
import { Slots } from "../../src/runtime/slots.ts";

/** Whether `promise` has settled once pending callbacks have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(() => done = true, () => done = true);
  for (let i = 0; i < 10; i++) await Promise.resolve();
  return done;
}

Deno.test("Slots starts with every slot free and counts takes and releases", () => {
  const slots = new Slots(3);
  assert.equal(slots.size, 3);
  assert.equal(slots.free, 3);
  slots.take();
  slots.take();
  assert.equal(slots.free, 1);
  slots.release();
  assert.equal(slots.free, 2);
});

Deno.test("acquire resolves at once while a slot is free", async () => {
  const slots = new Slots(2);
  await slots.acquire();
  await slots.acquire();
  assert.equal(slots.free, 0);
});

Deno.test("acquire waits while all slots are used and gets the slot a release frees", async () => {
  const slots = new Slots(1);
  await slots.acquire();
  const waiting = slots.acquire();
  assert.equal(await settled(waiting), false);
  slots.release();
  assert.equal(await settled(waiting), true);
  assert.equal(slots.free, 0);
});

Deno.test("one release lets exactly one of several waiters in", async () => {
  const slots = new Slots(1);
  slots.take();
  const first = slots.acquire();
  const second = slots.acquire();
  slots.release();
  const results = [await settled(first), await settled(second)];
  assert.deepEqual(results.filter(Boolean).length, 1);
  assert.equal(slots.free, 0);
  slots.release();
  assert.equal(await settled(first), true);
  assert.equal(await settled(second), true);
  assert.equal(slots.free, 0);
});

Deno.test("whenFree resolves at once with a free slot and without taking it", async () => {
  const slots = new Slots(1);
  await slots.whenFree();
  assert.equal(slots.free, 1);
});

Deno.test("whenFree waits for a release while full", async () => {
  const slots = new Slots(1);
  slots.take();
  const free = slots.whenFree();
  assert.equal(await settled(free), false);
  slots.release();
  assert.equal(await settled(free), true);
  assert.equal(slots.free, 1);
});

Deno.test("an abandoned whenFree waiter does not swallow the wake-up of an acquire", async () => {
  const slots = new Slots(1);
  slots.take();
  // The read loop races whenFree against a timer and may never look at it again.
  void slots.whenFree();
  const acquiring = slots.acquire();
  slots.release();
  assert.equal(await settled(acquiring), true);
  assert.equal(slots.free, 0);
});
