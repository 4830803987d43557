import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { buildApp } from "../../src/app.ts";
import { defaultBurst, rateLimit } from "../../src/http/rate_limit.ts";
import { silentLogger } from "../../src/log.ts";
import { PayoutService } from "../../src/payouts/payouts.service.ts";
import { createTestApp, type TestApp } from "../helpers/app.ts";
import { TEST_REDIS_URL } from "../helpers/redis.ts";
import { waitFor } from "../helpers/wait.ts";
import { startSilentRedis, withinDeadline } from "../helpers/silent_redis.ts";

interface Limiter {
  middleware: ReturnType<typeof rateLimit>;
  keyPrefix: string;
  close(): Promise<void>;
}

/**
 * A limiter on its own fail-fast connection, as one API replica has it. Bucket keys live
 * under a prefix only this test uses (pass one to share it with another replica).
 */
async function limiter(
  options: { rps: number; burst: number },
  keyPrefix = `test:${crypto.randomUUID().slice(0, 12)}:ratelimit:`,
): Promise<Limiter> {
  const redis = new Redis(TEST_REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  // Fail-fast clients refuse commands until connected: wait, or the first ones pass unlimited.
  await waitFor(() => redis.status === "ready", { timeoutMs: 5000, message: "redis ready" });
  return {
    middleware: rateLimit(redis, { ...options, keyPrefix }),
    keyPrefix,
    async close() {
      const keys = await redis.keys(`${keyPrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    },
  };
}

function list(t: TestApp, authorization = t.headers.Authorization) {
  return t.request("/api/payouts/", { headers: { Authorization: authorization } });
}

async function status(response: Response | Promise<Response>): Promise<number> {
  const settled = await response;
  await settled.body?.cancel();
  return settled.status;
}

Deno.test("a key gets its burst, then 429 with Retry-After in whole seconds", async () => {
  const limit = await limiter({ rps: 0.01, burst: 3 });
  const t = await createTestApp({ apiMiddleware: [limit.middleware] });
  try {
    for (let i = 0; i < 3; i++) assert.equal(await withinDeadline(status(list(t))), 200);
    const limited = await list(t);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get("content-type"), "application/problem+json");
    const retryAfter = limited.headers.get("retry-after") ?? "";
    assert.match(retryAfter, /^[1-9][0-9]*$/);
    // At 0.01 tokens a second the next token is up to 100 s away.
    assert.ok(Number(retryAfter) <= 100, retryAfter);
    const problem = await limited.json();
    assert.equal(problem.status, 429);
    assert.equal(problem.type, "/problems/rate_limited");
    // Writes draw on the same budget, and a limited one writes nothing.
    const post = t.request("/api/payouts/", {
      method: "POST",
      headers: t.headers,
      body: JSON.stringify({ amount: "1", currency: "EUR", recipient_details: { account: "A" } }),
    });
    assert.equal(await status(post), 429);
    assert.equal((await t.db.sql`select 1 from payouts`).length, 0);
  } finally {
    await t.close();
    await limit.close();
  }
});

Deno.test("a spent bucket refills at the configured rate", async () => {
  const limit = await limiter({ rps: 1, burst: 1 });
  const t = await createTestApp({ apiMiddleware: [limit.middleware] });
  try {
    assert.equal(await status(list(t)), 200);
    const limited = await list(t);
    assert.equal(limited.status, 429);
    // Up to a second to the next token, in whole seconds.
    assert.equal(limited.headers.get("retry-after"), "1");
    await limited.body?.cancel();
    await waitFor(async () => await status(list(t)) === 200, {
      timeoutMs: 5000,
      message: "a refilled token",
    });
  } finally {
    await t.close();
    await limit.close();
  }
});

Deno.test("two API instances sharing one Redis share one key's budget", async () => {
  const options = { rps: 0.01, burst: 4 };
  const first = await limiter(options);
  const second = await limiter(options, first.keyPrefix);
  const t = await createTestApp({ apiMiddleware: [first.middleware] });
  try {
    const replica = buildApp({
      payouts: new PayoutService({ sql: t.db.sql, publisher: t.producer }),
      apiKeys: t.apiKeys,
      checks: {},
      log: silentLogger,
      apiMiddleware: [second.middleware],
    });
    const viaReplica = () =>
      replica.request("http://localhost/api/payouts/", {
        headers: { Authorization: t.headers.Authorization },
      });
    assert.equal(await status(list(t)), 200);
    assert.equal(await status(viaReplica()), 200);
    assert.equal(await status(viaReplica()), 200);
    assert.equal(await status(list(t)), 200);
    // Four spent across both instances: each now refuses.
    assert.equal(await status(viaReplica()), 429);
    assert.equal(await status(list(t)), 429);
  } finally {
    await t.close();
    await second.close();
    await first.close();
  }
});

Deno.test("each API key has its own budget", async () => {
  const limit = await limiter({ rps: 0.01, burst: 1 });
  const t = await createTestApp({ apiMiddleware: [limit.middleware] });
  try {
    const { key } = await t.apiKeys.create(`other-${crypto.randomUUID().slice(0, 8)}`);
    assert.equal(await status(list(t)), 200);
    assert.equal(await status(list(t)), 429);
    assert.equal(await status(list(t, `Bearer ${key}`)), 200);
    assert.equal(await status(list(t, `Bearer ${key}`)), 429);
  } finally {
    await t.close();
    await limit.close();
  }
});

Deno.test("while Redis is unreachable the limiter lets requests through", async () => {
  const dead = new Redis("redis://127.0.0.1:1", {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => 1000,
  });
  dead.on("error", () => {});
  const t = await createTestApp({
    apiMiddleware: [rateLimit(dead, { rps: 0.01, burst: 1 })],
  });
  try {
    for (let i = 0; i < 3; i++) assert.equal(await withinDeadline(status(list(t))), 200);
    const created = t.request("/api/payouts/", {
      method: "POST",
      headers: t.headers,
      body: JSON.stringify({ amount: "1", currency: "EUR", recipient_details: { account: "A" } }),
    });
    assert.equal(await status(created), 201);
  } finally {
    await t.close();
    dead.disconnect();
  }
});

Deno.test("while Redis accepts connections but never replies the limiter lets requests through", async () => {
  // A listener that accepts and then stays silent: every limiter call would hang without
  // the limiter's own deadline.
  const silentRedis = startSilentRedis();
  const silent = silentRedis.client;
  const t = await createTestApp({
    apiMiddleware: [rateLimit(silent, { rps: 0.01, burst: 1 })],
  });
  try {
    for (let i = 0; i < 3; i++) assert.equal(await withinDeadline(status(list(t))), 200);
  } finally {
    await t.close();
    await silentRedis.close();
  }
});

Deno.test("RATE_LIMIT_BURST=0 stands for one second's worth of requests, at least one", () => {
  assert.equal(defaultBurst(10), 10);
  assert.equal(defaultBurst(2.5), 3);
  assert.equal(defaultBurst(1), 1);
  assert.equal(defaultBurst(0.01), 1);
});
