/**
 * A request that cannot reach Postgres or Redis is a 503 with Retry-After naming the
 * dependency, counted in `http_dependency_unavailable_total`; never a 500, never SQL or a
 * stack. Postgres is a real client on a closed port (it fails as a stopped server does);
 * Redis is a real, private redis-server that the test stops.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { buildApp } from "../../src/app.ts";
import { ApiKeyService } from "../../src/apikeys/apikeys.service.ts";
import { OUTAGE_RETRY_AFTER_SECONDS } from "../../src/http/problem.ts";
import { silentLogger } from "../../src/log.ts";
import { createApiMetrics } from "../../src/metrics/api_metrics.ts";
import { PayoutService } from "../../src/payouts/payouts.service.ts";
import { RecipientService } from "../../src/recipients/recipients.service.ts";
import { StreamProducer } from "../../src/queue/producer.ts";
import { rateLimit } from "../../src/http/rate_limit.ts";
import { createRedis } from "../../src/redis.ts";
import { createTestApp } from "../helpers/app.ts";
import { withConsoleApp } from "../helpers/console_app.ts";
import { unreachableRedis } from "../helpers/redis.ts";
import { startRedisServer } from "../helpers/redis_server.ts";
import { waitFor } from "../helpers/wait.ts";

/** Asserts the outage problem for `dependency`; returns the body's detail. */
async function assertUnavailable(response: Response, dependency: string, label: string) {
  assert.equal(response.status, 503, label);
  assert.equal(response.headers.get("content-type"), "application/problem+json", label);
  assert.equal(response.headers.get("retry-after"), String(OUTAGE_RETRY_AFTER_SECONDS), label);
  const text = await response.text();
  const body = JSON.parse(text);
  assert.equal(body.type, "/problems/dependency_unavailable", label);
  assert.equal(body.status, 503, label);
  assert.equal(body.dependency, dependency, label);
  assert.doesNotMatch(text, /ECONNREFUSED|select|insert|127\.0\.0\.1|at [\w.]+ \(/i, label);
}

function unavailableCount(metrics: string, dependency: string): number {
  const line = new RegExp(
    `^http_dependency_unavailable_total\\{dependency="${dependency}"\\} (\\d+)$`,
    "m",
  );
  return Number(line.exec(metrics)?.[1]);
}

Deno.test("requests that cannot reach Postgres are 503 problems with Retry-After, and counted", async () => {
  const t = await createTestApp();
  const deadPostgres = postgres("postgres://postgres@127.0.0.1:1/payouts", {
    max: 2,
    onnotice: () => {},
  });
  const deadRedis = unreachableRedis({ lazyConnect: true });
  try {
    const metrics = createApiMetrics({ token: "" });
    const build = (apiKeys: typeof t.apiKeys) =>
      buildApp({
        payouts: new PayoutService({
          sql: deadPostgres,
          publisher: new StreamProducer(deadRedis, deadPostgres, t.names.stream, silentLogger),
        }),
        recipients: new RecipientService({ sql: deadPostgres }),
        apiKeys,
        checks: {},
        log: silentLogger,
        observe: metrics.observe,
        extraRoutes: metrics.mount,
      });
    const request = (app: ReturnType<typeof build>, path: string, init?: RequestInit) =>
      app.request(`http://localhost${path}`, init);
    const before = unavailableCount(
      await (await request(build(t.apiKeys), "/metrics")).text(),
      "postgres",
    );
    assert.equal(before, 0, "the series exists before the first outage");

    // The key lookup itself needs Postgres: a 503, not a 401 or a 500.
    const keyless = build(new ApiKeyService(deadPostgres));
    await assertUnavailable(
      await request(keyless, "/api/payouts/", { headers: t.headers }),
      "postgres",
      "authentication",
    );

    // Past authentication (the key is verified in the live database): every route.
    const app = build(t.apiKeys);
    const create = {
      method: "POST",
      headers: { ...t.headers, "Idempotency-Key": "outage-1" },
      body: JSON.stringify({
        amount: "10.00",
        currency: "USD",
        recipient_details: { account: "DE89370400440532013000" },
      }),
    };
    const probes: [string, RequestInit | undefined][] = [
      ["/api/payouts/", undefined],
      ["/api/payouts/", create],
      ["/api/v1/payouts/00000000-0000-4000-8000-000000000000/", undefined],
      ["/api/recipients/", undefined],
    ];
    for (const [path, init] of probes) {
      const options = { ...init, headers: { ...t.headers, ...init?.headers } };
      await assertUnavailable(
        await request(app, path, options),
        "postgres",
        `${init?.method ?? "GET"} ${path}`,
      );
    }
    const after = unavailableCount(await (await request(app, "/metrics")).text(), "postgres");
    assert.equal(after, 1 + probes.length, "every 503 is counted once");
    assert.match(
      await (await request(app, "/metrics")).text(),
      /http_requests_total\{[^}]*status="503"/,
    );
  } finally {
    deadRedis.disconnect();
    await deadPostgres.end();
    await t.close();
  }
});

Deno.test("while Redis is down: creates go on (the rate limiter fails open), the Queues page degrades and actions that need Redis are 503", async () => {
  const server = await startRedisServer();
  // As main.ts makes the API's client: failing fast, commands bounded.
  const redis = createRedis(server.url, {
    name: "outage-test",
    log: silentLogger,
    failFast: true,
    commandTimeoutMs: 1000,
  });
  try {
    const t = await createTestApp({
      apiMiddleware: [rateLimit(redis, { rps: 1000, burst: 1000 })],
    });
    try {
      await server.stop("SIGKILL");
      const response = await t.request("/api/payouts/", {
        method: "POST",
        headers: t.headers,
        body: JSON.stringify({
          amount: "10.00",
          currency: "USD",
          recipient_details: { account: "DE89370400440532013000" },
        }),
      });
      assert.equal(response.status, 201, await response.text());
    } finally {
      await t.close();
    }
    await server.start();
    await waitFor(() => redis.ping().catch(() => false), { message: "the client to reconnect" });

    await withConsoleApp(async (c) => {
      const { key } = await c.createKey();
      const browser = await c.signedIn(key);
      const csrfToken = await browser.csrfToken();
      await server.stop("SIGKILL");
      // The Queues page degrades: it renders and says the queue figures are missing.
      const queues = await browser.fetch("/console/queues");
      const queuesHtml = await queues.text();
      assert.equal(queues.status, 200, queuesHtml);
      assert.match(queuesHtml, /role="alert">Redis did not answer/);
      // An action that needs Redis is refused with a 503 page, as a full page and as a fragment.
      for (const fragment of [false, true]) {
        const page = await browser.post(
          "/console/queues/requeue-dead-letters",
          { csrf_token: csrfToken, confirmed: "yes" },
          fragment ? { "HX-Request": "true" } : {},
        );
        const html = await page.text();
        assert.equal(page.status, 503, html);
        assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
        assert.equal(page.headers.get("retry-after"), String(OUTAGE_RETRY_AFTER_SECONDS));
        assert.match(html, /Redis is unreachable right now/);
        assert.doesNotMatch(html, /Stream isn't writeable|Connection is closed|at [\w.]+ \(/);
      }
      assert.ok(
        c.logLines.some((line) => /"status":503/.test(line) && /"unavailable":"redis"/.test(line)),
        "the request line names the dependency",
      );
      await server.start();
      await waitFor(async () => {
        const page = await browser.fetch("/console/queues");
        await page.body?.cancel();
        return page.status === 200;
      }, { message: "the queues page once Redis is back" });
    }, { redis });
  } finally {
    redis.disconnect();
    await server.close();
  }
});
