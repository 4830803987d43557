import assert from "node:assert/strict";
import postgres from "postgres";
import { buildApp } from "../../src/app.ts";
import { ApiKeyService } from "../../src/apikeys/apikeys.service.ts";
import { silentLogger } from "../../src/log.ts";
import { PayoutService } from "../../src/payouts/payouts.service.ts";
import { createTestApp, type TestApp } from "../helpers/app.ts";
import { testDatabaseUrl, uniqueDatabaseName } from "../helpers/database.ts";

/** The same app as `t.app`, with CORS allowed for `origins`. */
function appWithCors(t: TestApp, origins: string[]) {
  return buildApp({
    payouts: new PayoutService({ sql: t.db.sql, publisher: t.producer }),
    apiKeys: t.apiKeys,
    checks: {},
    log: silentLogger,
    corsOrigins: origins,
  });
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Text that must never reach a client: stack frames, SQL, driver and runtime internals. */
const INTERNALS =
  /\bat [\w.<>]+ \(|file:\/\/|\.ts:\d+|\bstack\b|\bselect\b|\binsert\b|\bupdate \w+ set\b|postgres|pg_|relation "|syntax error|TypeError|ReferenceError/i;

Deno.test("API responses carry nosniff, no-store and a request id", async () => {
  const t = await createTestApp();
  try {
    const cases: [string, RequestInit][] = [
      ["/api/payouts/", { headers: t.headers }],
      ["/api/payouts/", {}], // 401
      ["/api/v1/payouts/not-an-id/", { headers: t.headers }], // 404
      ["/api/nothing-here", {}],
    ];
    for (const [path, init] of cases) {
      const response = await t.request(path, init);
      await response.body?.cancel();
      assert.equal(response.headers.get("x-content-type-options"), "nosniff", path);
      assert.equal(response.headers.get("cache-control"), "no-store", path);
      assert.match(response.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/, path);
    }
    const echoed = await t.request("/api/payouts/", {
      headers: { ...t.headers, "X-Request-Id": "client-trace.42" },
    });
    await echoed.body?.cancel();
    assert.equal(echoed.headers.get("x-request-id"), "client-trace.42");
    // A request id that could smuggle text into logs is replaced, not echoed.
    const replaced = await t.request("/api/payouts/", {
      headers: { ...t.headers, "X-Request-Id": "evil id <script>" },
    });
    await replaced.body?.cancel();
    assert.match(replaced.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
  } finally {
    await t.close();
  }
});

Deno.test("the docs page is served with a strict Content-Security-Policy", async () => {
  const t = await createTestApp();
  try {
    for (const path of ["/api/docs/", "/api/v1/docs/"]) {
      const response = await t.request(path);
      await response.body?.cancel();
      assert.equal(response.status, 200);
      const csp = response.headers.get("content-security-policy") ?? "";
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.doesNotMatch(csp, /unsafe-eval|\*|https?:/);
    }
  } finally {
    await t.close();
  }
});

Deno.test("CORS is off unless configured, then allows only the listed origins", async () => {
  const t = await createTestApp();
  try {
    const fromEvil = { ...t.headers, Origin: "https://evil.example" };
    const plain = await t.request("/api/payouts/", { headers: fromEvil });
    await plain.body?.cancel();
    assert.equal(plain.status, 200);
    assert.equal(plain.headers.get("access-control-allow-origin"), null);
    const preflight = await t.request("/api/payouts/", {
      method: "OPTIONS",
      headers: {
        Origin: "https://evil.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
      },
    });
    await preflight.body?.cancel();
    assert.equal(preflight.headers.get("access-control-allow-origin"), null);

    const app = appWithCors(t, ["https://app.example"]);
    const allowed = await app.request("http://localhost/api/payouts/", {
      headers: { ...t.headers, Origin: "https://app.example" },
    });
    await allowed.body?.cancel();
    assert.equal(allowed.status, 200);
    assert.equal(allowed.headers.get("access-control-allow-origin"), "https://app.example");
    assert.match(allowed.headers.get("access-control-expose-headers") ?? "", /ETag/i);
    const allowedPreflight = await app.request("http://localhost/api/payouts/", {
      method: "OPTIONS",
      headers: {
        Origin: "https://app.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
      },
    });
    await allowedPreflight.body?.cancel();
    assert.equal(
      allowedPreflight.headers.get("access-control-allow-origin"),
      "https://app.example",
    );
    const other = await app.request("http://localhost/api/payouts/", {
      headers: { ...t.headers, Origin: "https://evil.example" },
    });
    await other.body?.cancel();
    assert.notEqual(other.headers.get("access-control-allow-origin"), "https://evil.example");
    assert.notEqual(other.headers.get("access-control-allow-origin"), "*");
  } finally {
    await t.close();
  }
});

Deno.test("a revoked key stops working on the very next request", async () => {
  const t = await createTestApp();
  try {
    const name = `revoked-${crypto.randomUUID().slice(0, 8)}`;
    const { key } = await t.apiKeys.create(name);
    const headers = { Authorization: `Bearer ${key}` };
    const before = await t.request("/api/payouts/", { headers });
    await before.body?.cancel();
    assert.equal(before.status, 200);
    assert.equal(await t.apiKeys.revoke(name), true);
    const after = await t.request("/api/payouts/", { headers });
    assert.equal(after.status, 401);
    assert.match(after.headers.get("www-authenticate") ?? "", /^Bearer\b/);
    assert.equal(after.headers.get("content-type"), "application/problem+json");
    await after.body?.cancel();
    // The other keys are untouched.
    const others = await t.request("/api/payouts/", { headers: t.headers });
    await others.body?.cancel();
    assert.equal(others.status, 200);
  } finally {
    await t.close();
  }
});

Deno.test("health, schema and docs are public; payouts are not", async () => {
  const t = await createTestApp();
  try {
    for (
      const path of [
        "/health/",
        "/api/schema/",
        "/api/v1/schema",
        "/api/docs/",
        "/api/docs/assets/swagger-ui.css",
      ]
    ) {
      const response = await t.request(path);
      await response.body?.cancel();
      assert.equal(response.status, 200, path);
    }
    for (
      const path of ["/api/payouts/", "/api/v1/payouts", `/api/payouts/${crypto.randomUUID()}/`]
    ) {
      const response = await t.request(path);
      await response.body?.cancel();
      assert.equal(response.status, 401, path);
    }
  } finally {
    await t.close();
  }
});

Deno.test("API keys are stored only as SHA-256 hashes", async () => {
  const t = await createTestApp();
  try {
    const name = `stored-${crypto.randomUUID().slice(0, 8)}`;
    const { key } = await t.apiKeys.create(name);
    const secret = key.slice("pk_".length);
    const [row] = await t.db.sql`select * from api_keys where name = ${name}`;
    for (const [column, value] of Object.entries(row)) {
      const text = value instanceof Date ? value.toISOString() : String(value);
      assert.ok(!text.includes(secret), `column ${column} holds the key`);
    }
    assert.equal(row.key_hash, await sha256Hex(key));
  } finally {
    await t.close();
  }
});

Deno.test("error bodies never carry stack traces, SQL or driver messages", async () => {
  const t = await createTestApp();
  // An app whose database is gone: every authenticated request fails inside the driver.
  const missing = postgres(testDatabaseUrl(uniqueDatabaseName()), { max: 1, onnotice: () => {} });
  try {
    const broken = buildApp({
      payouts: new PayoutService({ sql: missing, publisher: t.producer }),
      apiKeys: new ApiKeyService(missing),
      checks: {},
      log: silentLogger,
    });
    const crash = await broken.request("http://localhost/api/payouts/", { headers: t.headers });
    assert.equal(crash.status, 500);
    assert.equal(crash.headers.get("content-type"), "application/problem+json");
    const crashBody = await crash.text();
    assert.doesNotMatch(crashBody, INTERNALS);
    assert.doesNotMatch(crashBody, /does not exist|payouts_test_/);
    const problem = JSON.parse(crashBody);
    assert.deepEqual(Object.keys(problem).sort(), ["detail", "status", "title", "type"]);
    assert.ok(problem.detail.includes(crash.headers.get("x-request-id")));

    const post = (body: string, headers: Record<string, string> = t.headers) =>
      t.request("/api/payouts/", { method: "POST", headers, body });
    const errors = [
      await post("{not json"),
      await post(JSON.stringify({ amount: "1'; drop table payouts; --", currency: "USD" })),
      await post(JSON.stringify({ amount: 1, currency: "USD\u0000", recipient_details: {} })),
      await post("{}", { ...t.headers, "Content-Type": "text/plain" }),
      await t.request("/api/payouts/'%20or%201=1--/", { headers: t.headers }),
      await t.request("/api/payouts/?limit=1;select", { headers: t.headers }),
      await t.request("/api/payouts/", { method: "PUT", headers: t.headers }),
    ];
    for (const response of errors) {
      assert.ok(response.status >= 400 && response.status < 500, String(response.status));
      assert.doesNotMatch(await response.text(), INTERNALS);
    }
  } finally {
    await missing.end();
    await t.close();
  }
});
