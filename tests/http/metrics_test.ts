/**
 * `/metrics` of the API, through app.request(): real values after real requests, queue
 * gauges equal to what Redis and Postgres hold, the token rule, and a scrape that still
 * answers when Redis does not.
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { buildApp } from "../../src/app.ts";
import { ApiKeyService } from "../../src/apikeys/apikeys.service.ts";
import { silentLogger } from "../../src/log.ts";
import { createApiMetrics } from "../../src/metrics/api_metrics.ts";
import { PayoutService } from "../../src/payouts/payouts.service.ts";
import { StreamProducer } from "../../src/queue/producer.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { createTestStreams, deliverWithoutAck } from "../helpers/redis.ts";
import { payoutBody } from "./payout_fixtures.ts";
import { startSilentRedis, withinDeadline } from "../helpers/silent_redis.ts";

interface MetricsApp {
  request(path: string, init?: RequestInit): Promise<Response>;
  scrape(headers?: Record<string, string>): Promise<string>;
  headers: Record<string, string>;
  sql: Awaited<ReturnType<typeof createTestDatabase>>["sql"];
  redis: Redis;
  names: ReturnType<typeof createTestStreams>["names"];
  close(): Promise<void>;
}

/** The real app with metrics on a fresh database and streams; `queueRedis` overrides the
 * client the queue gauges read from. */
async function createMetricsApp(
  options: { token?: string; queueRedis?: Redis } = {},
): Promise<MetricsApp> {
  const db = await createTestDatabase();
  const streams = createTestStreams();
  const producer = new StreamProducer(streams.redis, db.sql, streams.names.stream, silentLogger);
  const apiKeys = new ApiKeyService(db.sql);
  const { key } = await apiKeys.create(`metrics-${crypto.randomUUID().slice(0, 8)}`);
  const metrics = createApiMetrics({
    token: options.token ?? "",
    queue: { sql: db.sql, redis: options.queueRedis ?? streams.redis, names: streams.names },
  });
  const app = buildApp({
    payouts: new PayoutService({ sql: db.sql, publisher: metrics.countCreated(producer) }),
    apiKeys,
    checks: {},
    log: silentLogger,
    observe: metrics.observe,
    extraRoutes: metrics.mount,
  });
  const request = async (path: string, init?: RequestInit) =>
    await app.request(`http://localhost${path}`, init);
  return {
    request,
    async scrape(headers = {}) {
      const response = await request("/metrics", { headers });
      const text = await response.text();
      assert.equal(response.status, 200, text);
      assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
      return text;
    },
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    sql: db.sql,
    redis: streams.redis,
    names: streams.names,
    async close() {
      await producer.flush();
      await streams.cleanup();
      await db.drop();
    },
  };
}

/** The value of one sample in Prometheus text, or undefined when it is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}) {
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? "").matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    const keys = Object.keys(found);
    if (
      keys.length === Object.keys(labels).length &&
      keys.every((key) => found[key] === labels[key])
    ) {
      return Number(match[3]);
    }
  }
  return undefined;
}

Deno.test("GET /metrics counts requests by method, route pattern and status", async () => {
  const t = await createMetricsApp();
  try {
    const created = await t.request("/api/payouts/", {
      method: "POST",
      headers: t.headers,
      body: JSON.stringify(payoutBody()),
    });
    assert.equal(created.status, 201);
    const { id } = await created.json();
    for (let i = 0; i < 3; i++) {
      const response = await t.request(`/api/payouts/${id}/`, { headers: t.headers });
      assert.equal(response.status, 200);
      await response.body?.cancel();
    }
    const missing = await t.request(`/api/payouts/${crypto.randomUUID()}/`, {
      headers: t.headers,
    });
    assert.equal(missing.status, 404);
    await missing.body?.cancel();

    const text = await t.scrape();
    const routes = [...text.matchAll(/^http_requests_total\{[^}]*route="([^"]*)"/gm)]
      .map((m) => m[1]);
    const payoutRoute = routes.find((route) => route.includes(":id") && !/events/.test(route));
    assert.ok(payoutRoute, `a route pattern with :id, got ${JSON.stringify(routes)}`);
    const get200 = { method: "GET", route: payoutRoute, status: "200" };
    assert.equal(sample(text, "http_requests_total", get200), 3);
    assert.equal(sample(text, "http_request_duration_seconds_count", get200), 3);
    assert.equal(
      sample(text, "http_requests_total", { method: "GET", route: payoutRoute, status: "404" }),
      1,
    );
    assert.equal(sample(text, "payouts_created_total"), 1);
    assert.ok(!text.includes(id), "no label carries the payout id");
  } finally {
    await t.close();
  }
});

Deno.test("queue gauges equal XLEN, the group's pending and lag, dead letters and the outbox", async () => {
  const t = await createMetricsApp();
  try {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await t.request("/api/payouts/", {
        method: "POST",
        headers: t.headers,
        body: JSON.stringify(payoutBody()),
      });
      assert.equal(response.status, 201);
      ids.push((await response.json()).id);
    }
    // One delivered and unacknowledged entry; two still undelivered.
    await t.redis.xgroup("CREATE", t.names.stream, t.names.group, "0", "MKSTREAM");
    await deliverWithoutAck(t.redis, t.names, "c1", 1);
    await t.redis.xadd(t.names.deadLetter, "*", "payout_id", ids[0], "reason", "test");
    // A job whose XADD never happened stays in the outbox.
    await t.sql`insert into payout_outbox (payout_id) values (${ids[1]})`;

    const text = await t.scrape();
    const stream = { stream: t.names.stream };
    const group = { stream: t.names.stream, group: t.names.group };
    const [{ backlog }] = await t.sql<{ backlog: number }[]>`
      select count(*)::int as backlog from payout_outbox
    `;
    assert.ok(backlog >= 1);
    assert.equal(sample(text, "payouts_outbox_backlog", stream), backlog);
    assert.equal(sample(text, "payouts_stream_length", stream), await t.redis.xlen(t.names.stream));
    assert.equal(sample(text, "payouts_stream_length", stream), 3);
    assert.equal(sample(text, "payouts_stream_pending", group), 1);
    assert.equal(sample(text, "payouts_stream_lag", group), 2);
    assert.equal(sample(text, "payouts_dead_letter_length", { stream: t.names.deadLetter }), 1);
    assert.equal(sample(text, "payouts_metrics_source_up", { source: "redis" }), 1);
    assert.equal(sample(text, "payouts_metrics_source_up", { source: "postgres" }), 1);

    await t.redis.xadd(t.names.stream, "*", "payout_id", ids[2]);
    assert.equal(
      sample(await t.scrape(), "payouts_stream_length", stream),
      4,
      "read at scrape time",
    );
  } finally {
    await t.close();
  }
});

Deno.test("a scrape still answers when Redis accepts connections but never replies", async () => {
  // A listener that accepts and then stays silent: every Redis command would hang.
  const silentRedis = startSilentRedis();
  const silent = silentRedis.client;
  const t = await createMetricsApp({ queueRedis: silent });
  try {
    const text = await withinDeadline(t.scrape());
    assert.equal(sample(text, "payouts_metrics_source_up", { source: "redis" }), 0);
    assert.equal(sample(text, "payouts_metrics_source_up", { source: "postgres" }), 1);
    const stream = { stream: t.names.stream };
    assert.equal(sample(text, "payouts_stream_length", stream), undefined, "no made-up value");
    assert.ok(!/^payouts_(stream|dead_letter)_\w+\{/m.test(text), "no Redis series at all");
    assert.equal(sample(text, "payouts_outbox_backlog", stream), 0);
  } finally {
    await silentRedis.close();
    await t.close();
  }
});

Deno.test("with METRICS_TOKEN set, /metrics needs the bearer token", async () => {
  const token = `tok-${crypto.randomUUID()}`;
  const t = await createMetricsApp({ token });
  try {
    const attempts: Record<string, string>[] = [
      {},
      { Authorization: "Bearer wrong" },
      { Authorization: token },
    ];
    for (const headers of attempts) {
      const response = await t.request("/metrics", { headers });
      assert.equal(response.status, 401);
      assert.equal(response.headers.get("content-type"), "application/problem+json");
      assert.match(response.headers.get("www-authenticate") ?? "", /^Bearer/);
      const body = await response.json();
      assert.equal(body.status, 401);
      assert.doesNotMatch(JSON.stringify(body), new RegExp(token));
    }
    const text = await t.scrape({ Authorization: `bearer ${token}` });
    assert.ok(sample(text, "process_resident_memory_bytes")! > 0);
    const post = await t.request("/metrics", { method: "POST" });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get("allow"), "GET, HEAD");
    await post.body?.cancel();
  } finally {
    await t.close();
  }
});
