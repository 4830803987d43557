import assert from "node:assert/strict";
import { ApiKeyService } from "../../../src/apikeys/apikeys.service.ts";
import { outboxBacklog } from "../../../src/queue/outbox.repository.ts";
import { freePort } from "../../helpers/processes.ts";
import { waitFor } from "../../helpers/wait.ts";
import { createRig, DEADLINE_MS, waitForOutput } from "./fault_fixtures.ts";

const COUNT = 20;

Deno.test("the API on SIGTERM commits and answers the creates gathering for a batch, then exits 0", async () => {
  const rig = await createRig();
  try {
    const { sql } = rig.db;
    const { record, key } = await new ApiKeyService(sql).create(
      `faults-${crypto.randomUUID().slice(0, 8)}`,
    );
    const port = freePort();
    const api = rig.spawn("main.ts", {
      PORT: String(port),
      HOST: "127.0.0.1",
      // The longest window: the signal comes while the creates still wait for their batch.
      CREATE_BATCH_MS: "1000",
      CREATE_BATCH_MAX: "1000",
    });
    await waitForOutput(api, "api listening");

    const answers = Array.from(
      { length: COUNT },
      (_, i) =>
        fetch(`http://127.0.0.1:${port}/api/payouts/`, {
          method: "POST",
          headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
          body: JSON.stringify({
            amount: `${i + 1}.00`,
            currency: "USD",
            recipient_details: { account: "DE89370400440532013000" },
          }),
        }).then(async (response) => ({ status: response.status, body: await response.json() })),
    );
    // Authentication stamps the key's last use: the server is inside the requests.
    await waitFor(async () => {
      const [row] = await sql`select last_used_at from api_keys where id = ${record.id}`;
      return row.last_used_at !== null;
    }, { timeoutMs: DEADLINE_MS, message: "the API to start handling the requests" });
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
