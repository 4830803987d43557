import assert from "node:assert/strict";
import { createTestApp } from "../helpers/app.ts";
import { payoutBody, postPayout } from "./payout_fixtures.ts";

Deno.test("concurrent POSTs are each answered with their own payout, Location and ETag", async () => {
  const t = await createTestApp();
  try {
    const descriptions = Array.from({ length: 40 }, (_, i) => `invoice ${i}`);
    // Invalid bodies among them are refused before any batch and leave the others alone.
    const bodies = descriptions.map((description, i) =>
      payoutBody({ description, amount: i % 10 === 9 ? "1.001" : `${i + 1}.00` })
    );
    const responses = await Promise.all(bodies.map((body) => postPayout(t, body)));
    const ids = new Set<string>();
    for (const [i, response] of responses.entries()) {
      const body = await response.json();
      if (i % 10 === 9) {
        assert.equal(response.status, 400, JSON.stringify(body));
        continue;
      }
      assert.equal(response.status, 201, JSON.stringify(body));
      assert.equal(body.description, descriptions[i]);
      assert.equal(body.amount, `${i + 1}.00`);
      assert.equal(response.headers.get("location"), `/api/payouts/${body.id}/`);
      const read = await t.request(`/api/payouts/${body.id}/`, { headers: t.headers });
      assert.deepEqual(await read.json(), body);
      assert.equal(read.headers.get("etag"), response.headers.get("etag"));
      ids.add(body.id);
    }
    assert.equal(ids.size, 36);
    const [{ n }] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from payouts`;
    assert.equal(n, 36, "nothing was written for the refused bodies");
  } finally {
    await t.close();
  }
});
