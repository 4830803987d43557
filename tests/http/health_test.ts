import assert from "node:assert/strict";
import { Redis } from "ioredis";
import postgres from "postgres";
import { buildApp } from "../../src/app.ts";
import { silentLogger } from "../../src/log.ts";
import { PayoutService } from "../../src/payouts/payouts.service.ts";
import { createTestApp } from "../helpers/app.ts";
import { startSilentRedis, withinDeadline } from "../helpers/silent_redis.ts";

Deno.test("GET /health/ reports postgres and redis as ok", async () => {
  const t = await createTestApp();
  try {
    for (const path of ["/health", "/health/"]) {
      const response = await t.request(path);
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), {
        status: "ok",
        checks: { postgres: "ok", redis: "ok" },
      });
    }
  } finally {
    await t.close();
  }
});

Deno.test("GET /health/ is a 503 problem naming the dependency that does not answer", async () => {
  const t = await createTestApp();
  // Real clients on a closed port: they fail at once, as a dependency that is down does.
  const deadPostgres = postgres("postgres://postgres@127.0.0.1:1/payouts", {
    max: 1,
    onnotice: () => {},
  });
  const deadRedis = new Redis("redis://127.0.0.1:1", {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    lazyConnect: true,
  });
  deadRedis.on("error", () => {});
  const checks = {
    postgres: { ok: () => t.db.sql`select 1`, down: () => deadPostgres`select 1` },
    redis: { ok: () => t.redis.ping(), down: () => deadRedis.ping() },
  };
  try {
    const cases = [
      { postgres: "ok", redis: "down" },
      { postgres: "down", redis: "ok" },
      { postgres: "down", redis: "down" },
    ] as const;
    for (const expected of cases) {
      const app = buildApp({
        payouts: new PayoutService({ sql: t.db.sql, publisher: t.producer }),
        apiKeys: t.apiKeys,
        checks: {
          postgres: checks.postgres[expected.postgres],
          redis: checks.redis[expected.redis],
        },
        log: silentLogger,
      });
      for (const path of ["/health", "/health/"]) {
        const response = await app.request(`http://localhost${path}`);
        const label = `${path} ${JSON.stringify(expected)}`;
        assert.equal(response.status, 503, label);
        assert.equal(response.headers.get("content-type"), "application/problem+json", label);
        const body = await response.json();
        assert.equal(body.status, 503, label);
        assert.deepEqual(body.checks, expected, label);
        for (const [name, state] of Object.entries(expected)) {
          if (state === "down") assert.match(body.detail, new RegExp(name), label);
          else assert.doesNotMatch(body.detail, new RegExp(name), label);
        }
      }
    }
  } finally {
    deadRedis.disconnect();
    await deadPostgres.end();
    await t.close();
  }
});

Deno.test("GET /health/ is a 503 when Redis accepts connections but never replies", async () => {
  const t = await createTestApp();
  // A listener that accepts and then stays silent: PING would hang without the check's deadline.
  const silentRedis = startSilentRedis();
  const silent = silentRedis.client;
  try {
    const app = buildApp({
      payouts: new PayoutService({ sql: t.db.sql, publisher: t.producer }),
      apiKeys: t.apiKeys,
      checks: { postgres: () => t.db.sql`select 1`, redis: () => silent.ping() },
      log: silentLogger,
    });
    const response = await withinDeadline(app.request("http://localhost/health/"));
    assert.equal(response.status, 503);
    assert.equal(response.headers.get("content-type"), "application/problem+json");
    const body = await response.json();
    assert.deepEqual(body.checks, { postgres: "ok", redis: "down" });
    assert.match(body.detail, /redis/);
  } finally {
    await silentRedis.close();
    await t.close();
  }
});

Deno.test("POST /api/payouts/ creates a pending payout and appends its job", async () => {
  const t = await createTestApp();
  try {
    const response = await t.request("/api/payouts/", {
      method: "POST",
      headers: t.headers,
      body: JSON.stringify({
        amount: "125.5",
        currency: "usd",
        recipient_details: { account: " DE89 " },
      }),
    });
    assert.equal(response.status, 201);
    const body = await response.json();
    assert.equal(body.amount, "125.50");
    assert.equal(body.status, "pending");
    assert.equal(response.headers.get("location"), `/api/payouts/${body.id}/`);
    const entries = await t.redis.xrange(t.names.stream, "-", "+");
    assert.deepEqual(entries.map(([, fields]) => fields), [["payout_id", body.id]]);
  } finally {
    await t.close();
  }
});
