/**
 * The response headers the OpenAPI document declares from its shared `components.headers`
 * (X-Request-Id on every answer, Retry-After on 429, Allow on 405, ETag on 412 and
 * WWW-Authenticate on 401) are the ones real answers carry, with values of their schema,
 * whether the operation declares the response inline or as a shared `components.responses`.
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { rateLimit } from "../../src/http/rate_limit.ts";
import { type TestApp, withTestApp } from "../helpers/app.ts";
import { resolveResponses } from "../helpers/openapi.ts";
import { TEST_REDIS_URL } from "../helpers/redis.ts";
import { waitFor } from "../helpers/wait.ts";
import { createPayout, payoutBody } from "./payout_fixtures.ts";

type Header = { $ref?: string };
type Operation = { responses: Record<string, { headers?: Record<string, Header> }> };
type Document = {
  paths: Record<string, Record<string, Operation>>;
  components: { headers: Record<string, { schema: { type: string; pattern?: string } }> };
};

/** The served document, every shared response resolved where an operation refers to it. */
async function servedDocument(t: TestApp): Promise<Document> {
  return resolveResponses(await (await t.request("/api/schema/")).json());
}

/** A request, the operation the document describes it under, and the status it must get. */
type Probe = { method: string; template: string; path: string; init?: RequestInit; status: number };

/**
 * Sends the probe under /api and asserts its status, and that each shared header the
 * document declares for that operation and status is sent with a value of its schema.
 * Returns the names of the headers checked.
 */
async function assertDeclaredHeadersSent(t: TestApp, doc: Document, probe: Probe) {
  const response = await t.request(`/api${probe.path}`, {
    ...probe.init,
    method: probe.method.toUpperCase(),
  });
  await response.body?.cancel();
  const where = `${probe.method} ${probe.path}`;
  assert.equal(response.status, probe.status, where);
  const declared =
    doc.paths[probe.template][probe.method].responses[String(probe.status)].headers ?? {};
  const checked: string[] = [];
  for (const [name, header] of Object.entries(declared)) {
    const component = header.$ref?.replace("#/components/headers/", "");
    if (!component) continue; // a header of one route (Location, Idempotent-Replayed)
    const value = response.headers.get(name);
    assert.ok(value, `${where} ${probe.status} sends the declared ${name}`);
    const { schema } = doc.components.headers[component];
    if (schema.type === "integer") assert.match(value, /^[1-9][0-9]*$/, `${where} ${name}`);
    if (schema.pattern) assert.match(value, new RegExp(schema.pattern), `${where} ${name}`);
    checked.push(name);
  }
  return checked;
}

Deno.test("every declared shared response header is sent, with a value of its schema", () =>
  withTestApp(async (t) => {
    const doc: Document = await servedDocument(t);
    const { payout } = await createPayout(t);
    const json = t.headers;
    const at = `/payouts/${payout.id}/`;
    const one = "/payouts/{id}";
    const probe = (method: string, template: string, path: string, status: number, init = {}) =>
      ({ method, template, path, init, status }) as Probe;
    const probes: Probe[] = [
      probe("get", "/payouts", "/payouts/", 200, { headers: json }),
      probe("post", "/payouts", "/payouts/", 201, {
        headers: json,
        body: JSON.stringify(payoutBody()),
      }),
      probe("get", one, at, 200, { headers: json }),
      probe("get", one, `/payouts/${crypto.randomUUID()}/`, 404, { headers: json }),
      probe("get", one, `${at}?x=1`, 400, { headers: json }),
      probe("get", one, at, 401),
      probe("get", one, at, 401, { headers: { Authorization: "Bearer nope" } }),
      probe("patch", one, at, 412, {
        headers: { ...json, "If-Match": '"stale"' },
        body: '{"description": "x"}',
      }),
      probe("delete", one, at, 412, { headers: { ...json, "If-Match": '"stale"' } }),
      probe("patch", one, at, 415, { headers: { ...json, "Content-Type": "text/plain" } }),
    ];
    const seen = new Set<string>();
    for (const each of probes) {
      for (const name of await assertDeclaredHeadersSent(t, doc, each)) seen.add(name);
    }
    assert.deepEqual([...seen].sort(), ["ETag", "WWW-Authenticate", "X-Request-Id"]);

    // 405: no operation serves PUT; every operation of the path declares the 405 and Allow.
    const put = await t.request(`/api${at}`, { method: "PUT", headers: json });
    await put.body?.cancel();
    assert.equal(put.status, 405);
    assert.equal(put.headers.get("allow"), "GET, PATCH, DELETE, HEAD");
    assert.match(put.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
    for (const operation of Object.values(doc.paths[one])) {
      assert.deepEqual(Object.keys(operation.responses["405"].headers ?? {}).sort(), [
        "Allow",
        "X-Request-Id",
      ]);
    }

    // The client's well-formed request id comes back; a malformed one is replaced.
    const mine = await t.request("/api/payouts/", {
      headers: { ...json, "X-Request-Id": "abc.1:2" },
    });
    await mine.body?.cancel();
    assert.equal(mine.headers.get("x-request-id"), "abc.1:2");
    const bad = await t.request("/api/payouts/", { headers: { ...json, "X-Request-Id": "a b" } });
    await bad.body?.cancel();
    assert.match(bad.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
  }));

Deno.test("a 429 sends the declared Retry-After (whole seconds) and X-Request-Id", async () => {
  const keyPrefix = `test:${crypto.randomUUID().slice(0, 12)}:ratelimit:`;
  const redis = new Redis(TEST_REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  try {
    await waitFor(() => redis.status === "ready", { timeoutMs: 5000, message: "redis ready" });
    const limiter = rateLimit(redis, { rps: 0.01, burst: 1, keyPrefix });
    await withTestApp(async (t) => {
      const doc: Document = await servedDocument(t);
      const list = { method: "get", template: "/payouts", path: "/payouts/" };
      const headers = { headers: t.headers };
      await assertDeclaredHeadersSent(t, doc, { ...list, init: headers, status: 200 });
      const checked = await assertDeclaredHeadersSent(t, doc, {
        ...list,
        init: headers,
        status: 429,
      });
      assert.deepEqual(checked.sort(), ["Retry-After", "X-Request-Id"]);
    }, { apiMiddleware: [limiter] });
  } finally {
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
});
