import assert from "node:assert/strict";
import { ApiKeyService } from "../../src/apikeys/apikeys.service.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { type ChildProcess, freePort, spawnEntrypoint } from "../helpers/processes.ts";
import { createTestStreams, streamEnv } from "../helpers/redis.ts";
import { waitFor } from "../helpers/wait.ts";

/** Adds what the process wrote so far to a failed wait. */
async function explained<T>(wait: Promise<T>, child: ChildProcess): Promise<T> {
  try {
    return await wait;
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : error}\n${child.output()}`);
  }
}

Deno.test("a payout POSTed to a real API is completed by a real worker; both exit 0 on SIGTERM", async () => {
  const db = await createTestDatabase();
  const streams = createTestStreams();
  const children: ChildProcess[] = [];
  try {
    const env = { DATABASE_URL: db.url, ...streamEnv(streams.names) };
    const port = freePort();
    const worker = spawnEntrypoint("worker.ts", { ...env, PROVIDER_LATENCY_MS: "5" });
    children.push(worker);
    const api = spawnEntrypoint("main.ts", { ...env, PORT: String(port), HOST: "127.0.0.1" });
    children.push(api);
    const base = `http://127.0.0.1:${port}`;

    const { key } = await new ApiKeyService(db.sql).create(
      `e2e-${crypto.randomUUID().slice(0, 8)}`,
    );
    const headers = { Authorization: `Bearer ${key}`, "Content-Type": "application/json" };
    await explained(
      waitFor(async () => {
        const response = await fetch(`${base}/health/`);
        await response.body?.cancel();
        return response.ok;
      }, { message: "the API to be healthy" }),
      api,
    );

    const created = await fetch(`${base}/api/payouts/`, {
      method: "POST",
      headers,
      body: JSON.stringify({
        amount: "125.50",
        currency: "usd",
        recipient_details: { account: "DE89370400440532013000" },
        description: "end to end",
      }),
    });
    assert.equal(created.status, 201);
    const payout = await created.json();
    assert.equal(payout.status, "pending");
    assert.equal(created.headers.get("location"), `/api/payouts/${payout.id}/`);

    const done = await explained(
      waitFor(async () => {
        const response = await fetch(`${base}/api/payouts/${payout.id}/`, { headers });
        const body = await response.json();
        return body.status === "completed" ? body : undefined;
      }, { message: "the payout to complete" }),
      worker,
    );
    assert.equal(done.amount, "125.50");
    assert.equal(done.currency, "USD");
    assert.equal(done.failure_reason, null);

    const events = await (await fetch(`${base}/api/payouts/${payout.id}/events/`, { headers }))
      .json();
    assert.deepEqual(events.results.map((e: { type: string; to_status: string }) => e.to_status), [
      "pending",
      "processing",
      "completed",
    ]);
    const paid = await db.sql`select outcome from provider_calls where payout_id = ${payout.id}`;
    assert.deepEqual(paid.map((row) => row.outcome), ["paid"]);

    const [apiStatus, workerStatus] = await Promise.all([
      api.stop("SIGTERM"),
      worker.stop("SIGTERM"),
    ]);
    assert.equal(apiStatus.code, 0, api.output());
    assert.equal(workerStatus.code, 0, worker.output());
  } finally {
    await Promise.all(children.map((child) => child.stop("SIGKILL")));
    await streams.cleanup();
    await db.drop();
  }
});
