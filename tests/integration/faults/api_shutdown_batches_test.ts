import assert from "node:assert/strict";
import { outboxBacklog } from "../../../src/queue/outbox.repository.ts";
import { createApiKey, createRig, startApi, waitForKeyUse } from "./fault_fixtures.ts";

const COUNT = 20;

Deno.test("the API on SIGTERM commits and answers the creates gathering for a batch, then exits 0", async () => {
  const rig = await createRig();
  try {
    const { sql } = rig.db;
    const { record, key } = await createApiKey(sql);
    const { api, payoutsUrl } = await startApi(rig, {
      // The longest window: the signal comes while the creates still wait for their batch.
      CREATE_BATCH_MS: "1000",
      CREATE_BATCH_MAX: "1000",
    });

    const answers = Array.from(
      { length: COUNT },
      (_, i) =>
        fetch(payoutsUrl, {
          method: "POST",
          headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
          body: JSON.stringify({
            amount: `${i + 1}.00`,
            currency: "USD",
            recipient_details: { account: "DE89370400440532013000" },
          }),
        }).then(async (response) => ({ status: response.status, body: await response.json() })),
    );
    // Once the key is stamped as used, the server is inside the requests.
    await waitForKeyUse(sql, record.id, "the API to start handling the requests");
    api.process.kill("SIGTERM");

    const results = await Promise.all(answers);
    assert.deepEqual(results.map((r) => r.status), Array(COUNT).fill(201));
    const exited = await api.status;
    assert.equal(exited.code, 0, api.output().slice(-2000));
    assert.match(api.output(), /api shutting down/);

    const ids = results.map((r) => r.body.id as string);
    const rows = await sql<{ id: string }[]>`select id from payouts where status = 'pending'`;
    assert.deepEqual(rows.map((row) => row.id).sort(), [...ids].sort());
    // Published before exit, and their outbox rows retired: nothing is left for the relay.
    const entries = await rig.redis.xrange(rig.names.stream, "-", "+");
    assert.deepEqual(entries.map(([, fields]) => fields[1]).sort(), [...ids].sort());
    assert.equal((await outboxBacklog(sql)).count, 0);
  } finally {
    await rig.close();
  }
});
