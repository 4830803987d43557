/**
 * End to end: a payout created through the service and processed by a real worker process
 * reaches a subscribed endpoint as payout.created, payout.processing and payout.completed,
 * each signed, each body's data as GET showed the payout at that step; the worker's
 * /metrics counts the deliveries.
 */
import { sampleValue } from "../../helpers/metrics_text.ts";
import assert from "node:assert/strict";
import { Webhook } from "standardwebhooks";
import { createTestApp } from "../../helpers/app.ts";
import { freePort, spawnEntrypoint } from "../../helpers/processes.ts";
import { streamEnv } from "../../helpers/redis.ts";
import { waitFor } from "../../helpers/wait.ts";
import { startWebhookReceiver } from "../../helpers/webhook_receiver.ts";
import { createEndpoint, DEADLINE_MS } from "./webhook_fixtures.ts";

Deno.test("a worker delivers payout.created, processing and completed, signed, with the payout as GET shows it", async () => {
  const t = await createTestApp();
  const receiver = startWebhookReceiver();
  const port = freePort();
  const worker = spawnEntrypoint("worker.ts", {
    DATABASE_URL: t.db.url,
    ...streamEnv(t.names),
    PROVIDER_LATENCY_MS: "5",
    WORKER_BLOCK_MS: "200",
    HOST: "127.0.0.1",
    WORKER_METRICS_PORT: String(port),
    WEBHOOK_ALLOW_HTTP: "true",
    WEBHOOK_ALLOW_PRIVATE: "true",
    WEBHOOK_POLL_MS: "50",
  });
  try {
    const endpoint = await createEndpoint(t.db.sql, receiver.url());
    const created = await t.request("/api/payouts/", {
      method: "POST",
      headers: t.headers,
      body: JSON.stringify({
        amount: "125.50",
        currency: "EUR",
        recipient_details: { account: "DE89370400440532013000" },
        description: "webhooks end to end",
      }),
    });
    const payout = await created.json();
    assert.equal(created.status, 201, JSON.stringify(payout));

    const received = await waitFor(
      () => {
        const mine = receiver.requests.filter((r) => JSON.parse(r.body).data?.id === payout.id);
        return mine.length >= 3 ? mine : undefined;
      },
      { timeoutMs: DEADLINE_MS, message: `three messages\n${worker.output().slice(-2000)}` },
    );
    const bodies = received.map((request) => {
      const headers = Object.fromEntries(request.headers.entries());
      new Webhook(endpoint.secret).verify(request.body, headers);
      return JSON.parse(request.body);
    });
    assert.deepEqual(
      bodies.map((body) => body.type).sort(),
      ["payout.completed", "payout.created", "payout.processing"],
    );
    const byType = Object.fromEntries(bodies.map((body) => [body.type, body]));
    assert.deepEqual(byType["payout.created"].data, payout, "as POST answered it");
    const response = await t.request(`/api/payouts/${payout.id}/`, { headers: t.headers });
    assert.deepEqual(byType["payout.completed"].data, await response.json(), "as GET shows it");
    assert.equal(byType["payout.processing"].data.status, "processing");
    for (const body of bodies) assert.match(body.timestamp, /^\d{4}-\d\d-\d\dT.*Z$/);

    const metrics = await waitFor(async () => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return sampleValue(text, "webhook_deliveries_total", { outcome: "delivered" }) === 3
        ? text
        : undefined;
    }, { timeoutMs: DEADLINE_MS, message: "three deliveries counted" });
    const delivered = { outcome: "delivered" };
    assert.equal(sampleValue(metrics, "webhook_delivery_duration_seconds_count", delivered), 3);
    assert.equal(sampleValue(metrics, "webhook_deliveries_total", { outcome: "refused" }), 0);

    const stopped = await worker.stop("SIGTERM");
    assert.equal(stopped.code, 0, worker.output().slice(-2000));
  } finally {
    await worker.stop("SIGKILL");
    await receiver.close();
    await t.close();
  }
});
