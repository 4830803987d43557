/**
 * The worker's own `/metrics` server, on a real worker process: job results, retries,
 * provider call timings and transitions match what happened in the database, the token
 * guards it, and it closes when the worker shuts down.
 */
import assert from "node:assert/strict";
import { createTestApp } from "../helpers/app.ts";
import { freePort, spawnEntrypoint } from "../helpers/processes.ts";
import { streamEnv } from "../helpers/redis.ts";
import { waitFor } from "../helpers/wait.ts";

const INSTANCE = "metrics-test-worker";

/** One sample's value; its labels are `labels` plus the worker's instance label, any order. */
function sample(text: string, name: string, labels: Record<string, string> = {}) {
  const wanted = JSON.stringify(Object.entries({ ...labels, instance: INSTANCE }).sort());
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = [...match[2].matchAll(/([a-zA-Z_]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]);
    if (JSON.stringify(found.sort()) === wanted) return Number(match[3]);
  }
  return undefined;
}

Deno.test("the worker's /metrics reports its jobs, retries, provider calls and transitions", async () => {
  const t = await createTestApp();
  const port = freePort();
  const token = `tok-${crypto.randomUUID()}`;
  const worker = spawnEntrypoint("worker.ts", {
    DATABASE_URL: t.db.url,
    ...streamEnv(t.names),
    HOST: "127.0.0.1",
    WORKER_METRICS_PORT: String(port),
    INSTANCE_NAME: INSTANCE,
    METRICS_TOKEN: token,
    PROVIDER_LATENCY_MS: "1",
    RETRY_BASE_MS: "10",
    RETRY_MAX_MS: "50",
    WORKER_BLOCK_MS: "200",
  });
  const url = `http://127.0.0.1:${port}/metrics`;
  const scrape = async () => {
    const response = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
    const text = await response.text();
    assert.equal(response.status, 200, text);
    return text;
  };
  try {
    const accounts = ["DE001", "DE002", "FLAKY-1", "FAIL-1"];
    for (const account of accounts) {
      const response = await t.request("/api/payouts/", {
        method: "POST",
        headers: t.headers,
        body: JSON.stringify({
          amount: "10.00",
          currency: "EUR",
          recipient_details: { account },
        }),
      });
      assert.equal(response.status, 201);
      await response.body?.cancel();
    }
    await waitFor(async () => {
      const [row] = await t.db.sql<{ n: number }[]>`
        select count(*)::int as n from payouts where status in ('completed', 'failed')
      `;
      return row.n === accounts.length;
    }, { timeoutMs: 60_000, message: `all payouts finished\n${worker.output()}` });

    const text = await waitFor(async () => {
      const text = await scrape();
      const done = (sample(text, "payouts_jobs_total", { result: "completed" }) ?? 0) +
        (sample(text, "payouts_jobs_total", { result: "failed" }) ?? 0);
      return done === accounts.length ? text : undefined;
    }, { timeoutMs: 30_000, message: "the jobs counted" });

    assert.equal(sample(text, "payouts_jobs_total", { result: "completed" }), 3);
    assert.equal(sample(text, "payouts_jobs_total", { result: "failed" }), 1);
    assert.equal(sample(text, "payouts_jobs_total", { result: "dead_lettered" }), 0);
    assert.equal(sample(text, "payouts_job_duration_seconds_count", { result: "completed" }), 3);
    assert.equal(sample(text, "payouts_transitions_total", { status: "completed" }), 3);
    assert.equal(sample(text, "payouts_transitions_total", { status: "failed" }), 1);

    const [{ retries }] = await t.db.sql<{ retries: number }[]>`
      select count(*)::int as retries from payout_events where type = 'attempt_failed'
    `;
    assert.equal(retries, 1, "the FLAKY account failed once");
    assert.equal(sample(text, "payouts_job_retries_total"), retries);

    const calls = await t.db.sql<{ outcome: string; n: number }[]>`
      select outcome, count(*)::int as n from provider_calls group by outcome
    `;
    assert.deepEqual(
      Object.fromEntries(calls.map((row) => [row.outcome, row.n])),
      { paid: 3, transient_error: 1, permanent_error: 1 },
    );
    for (const { outcome, n } of calls) {
      assert.equal(
        sample(text, "payouts_provider_call_duration_seconds_count", { outcome }),
        n,
        `provider calls with outcome ${outcome}`,
      );
    }

    // No shared statement failed: the series exist from the start and stay at zero.
    for (const statement of ["claim", "ledger", "finish"]) {
      for (const outcome of ["fell_back", "failed"]) {
        assert.equal(sample(text, "payouts_batch_failures_total", { statement, outcome }), 0);
      }
    }

    const anonymous = await fetch(url);
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.headers.get("content-type"), "application/problem+json");
    await anonymous.body?.cancel();

    const status = await worker.stop("SIGTERM");
    assert.equal(status.code, 0, worker.output());
    await assert.rejects(
      async () => (await fetch(url)).body?.cancel(),
      "the metrics server is closed with the worker",
    );
  } finally {
    await worker.stop("SIGKILL");
    await t.close();
  }
});
