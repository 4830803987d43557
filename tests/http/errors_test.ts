import assert from "node:assert/strict";
import { createTestApp, withTestApp } from "../helpers/app.ts";
import { assertNoInternals, assertProblem, createPayout, payoutBody } from "./payout_fixtures.ts";
import {
  assertLadder,
  assertMethodNotAllowed,
  assertUnauthenticated,
  auth,
  BODY_LIMIT,
  paddedJson,
} from "./error_fixtures.ts";

/** A JSON payout body of exactly `size` bytes (padded with white space). */
function paddedBody(size: number): Uint8Array<ArrayBuffer> {
  return paddedJson(payoutBody(), size);
}

/** A body streamed in chunks with no Content-Length, as chunked transfer would send it. */
function streamOf(bytes: Uint8Array<ArrayBuffer>, chunk = 4096): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunk));
      offset += chunk;
    },
  });
}

Deno.test("payout routes answer 401 with WWW-Authenticate: Bearer without a valid key", (ctx) =>
  withTestApp(async (t) => {
    const { payout } = await createPayout(t);
    const routes: [string, string][] = [
      ["GET", "/api/payouts/"],
      ["POST", "/api/payouts/"],
      ["GET", `/api/payouts/${payout.id}/`],
      ["PATCH", `/api/v1/payouts/${payout.id}`],
      ["DELETE", `/api/payouts/${payout.id}/`],
      ["GET", `/api/payouts/${payout.id}/events/`],
      ["GET", "/api/payouts/unknown/path/here"],
    ];
    const credentials: [string, Record<string, string>][] = [
      ["no header", {}],
      ["an unknown key", { Authorization: "Bearer pk_" + "A".repeat(43) }],
      ["a malformed key", { Authorization: "Bearer not-a-key" }],
      ["an empty bearer", { Authorization: "Bearer " }],
      ["another scheme", { Authorization: t.headers.Authorization.replace("Bearer", "Basic") }],
      ["the key without scheme", { Authorization: t.apiKey }],
      ["a key with a NUL", { Authorization: `Bearer ${t.apiKey}%00` }],
    ];
    for (const [name, headers] of credentials) {
      await ctx.step(name, async () => {
        for (const [method, path] of routes) {
          await assertUnauthenticated(t, method, path, headers);
        }
      });
    }
    const [row] = await t.db.sql`select version from payouts where id = ${payout.id}`;
    assert.equal(row.version, 1, "nothing unauthenticated changed the payout");
  }));

Deno.test("a revoked key is refused with 401", async () => {
  const t = await createTestApp();
  const name = `revoked-${crypto.randomUUID().slice(0, 8)}`;
  try {
    const { key } = await t.apiKeys.create(name);
    const headers = { Authorization: `Bearer ${key}` };
    const before = await t.request("/api/payouts/", { headers });
    assert.equal(before.status, 200);
    await before.body?.cancel();
    assert.equal(await t.apiKeys.revoke(name), true);
    const after = await t.request("/api/payouts/", { headers });
    await assertProblem(after, 401);
    assert.match(after.headers.get("www-authenticate") ?? "", /^Bearer\b/);
  } finally {
    await t.close();
  }
});

Deno.test("the bearer scheme name is case-insensitive", () =>
  withTestApp(async (t) => {
    for (const scheme of ["bearer", "BEARER", "Bearer", "bEaReR"]) {
      const response = await t.request("/api/payouts/", {
        headers: { Authorization: `${scheme} ${t.apiKey}` },
      });
      assert.equal(response.status, 200, scheme);
      await response.body?.cancel();
    }
  }));

Deno.test("public routes need no key", () =>
  withTestApp(async (t) => {
    for (
      const path of ["/health/", "/api/schema/", "/api/v1/schema", "/api/docs/", "/api/v1/docs"]
    ) {
      const response = await t.request(path);
      assert.equal(response.status, 200, path);
      await response.body?.cancel();
    }
  }));

Deno.test("a known route with an unsupported method is a 405 with Allow", () =>
  withTestApp(async (t) => {
    const id = crypto.randomUUID();
    const cases: [string, string, string[]][] = [
      ["PUT", "/api/payouts/", ["GET", "POST"]],
      ["DELETE", "/api/v1/payouts", ["GET", "POST"]],
      ["PATCH", "/api/payouts", ["GET", "POST"]],
      ["POST", `/api/payouts/${id}/`, ["GET", "PATCH", "DELETE"]],
      ["PUT", `/api/v1/payouts/${id}`, ["GET", "PATCH", "DELETE"]],
      ["POST", `/api/payouts/${id}/events/`, ["GET"]],
      ["DELETE", `/api/payouts/${id}/events`, ["GET"]],
      ["POST", "/api/schema/", ["GET"]],
      ["DELETE", "/api/v1/docs", ["GET"]],
      ["POST", "/health/", ["GET"]],
    ];
    for (const [method, path, allowed] of cases) {
      await assertMethodNotAllowed(t, method, path, allowed);
    }
  }));

Deno.test("a body longer than the Content-Length it declares is still a 413", () =>
  withTestApp(async (t) => {
    // A real server never delivers past a declared length; a Request built in process can.
    const big = paddedBody(BODY_LIMIT + 1);
    const response = await t.request("/api/payouts/", {
      method: "POST",
      headers: { ...t.headers, "Content-Length": "100" },
      body: big,
    });
    await assertProblem(response, 413);
  }));

Deno.test("a body over 65,536 bytes is a 413, with Content-Length or chunked", () =>
  withTestApp(async (t) => {
    const { payout } = await createPayout(t);
    const big = paddedBody(BODY_LIMIT + 1);
    for (
      const [method, path] of [["POST", "/api/payouts/"], ["PATCH", `/api/payouts/${payout.id}/`]]
    ) {
      const declared = await t.request(path, {
        method,
        headers: { ...t.headers, "Content-Length": String(big.length) },
        body: big,
      });
      await assertProblem(declared, 413);

      const chunked = await t.request(path, {
        method,
        headers: t.headers,
        body: streamOf(big),
        duplex: "half",
      } as RequestInit);
      assert.equal(chunked.headers.get("content-length"), null);
      await assertProblem(chunked, 413);

      const endless = new ReadableStream<Uint8Array>({
        pull: (controller) => controller.enqueue(new Uint8Array(8192).fill(0x20)),
      });
      const unbounded = await t.request(path, {
        method,
        headers: t.headers,
        body: endless,
        duplex: "half",
      } as RequestInit);
      await assertProblem(unbounded, 413);
    }

    const atLimit = await t.request("/api/payouts/", {
      method: "POST",
      headers: t.headers,
      body: streamOf(paddedBody(BODY_LIMIT)),
      duplex: "half",
    } as RequestInit);
    assert.equal(atLimit.status, 201, "exactly 65,536 bytes is allowed, chunked");
    await atLimit.body?.cancel();
    const fits = paddedBody(BODY_LIMIT);
    const atLimitDeclared = await t.request("/api/payouts/", {
      method: "POST",
      headers: { ...t.headers, "Content-Length": String(fits.length) },
      body: fits,
    });
    assert.equal(atLimitDeclared.status, 201, "exactly 65,536 bytes is allowed, declared");
    await atLimitDeclared.body?.cancel();
    const [{ n }] = await t.db.sql`select count(*)::int as n from payouts`;
    assert.equal(n, 3, "only the payouts within the limit were created");
  }));

Deno.test("POST and PATCH need a JSON media type, else 415", () =>
  withTestApp(async (t) => {
    const { payout } = await createPayout(t);
    const body = new TextEncoder().encode(JSON.stringify(payoutBody()));
    for (const path of ["/api/payouts/", `/api/payouts/${payout.id}/`]) {
      const method = path === "/api/payouts/" ? "POST" : "PATCH";
      for (
        const type of [
          "text/plain",
          "application/xml",
          "application/x-www-form-urlencoded",
          "json",
          "application/jsonp",
          undefined,
        ]
      ) {
        const headers: Record<string, string> = { ...auth(t) };
        if (type) headers["Content-Type"] = type;
        const response = await t.request(path, { method, headers, body });
        await assertProblem(response, 415);
      }
    }
    for (
      const type of [
        "application/json; charset=utf-8",
        "APPLICATION/JSON",
        "application/vnd.x+json",
        "application/merge-patch+json",
      ]
    ) {
      const created = await t.request("/api/payouts/", {
        method: "POST",
        headers: { ...auth(t), "Content-Type": type },
        body,
      });
      assert.equal(created.status, 201, type);
      const { id } = await created.json();
      const patched = await t.request(`/api/payouts/${id}/`, {
        method: "PATCH",
        headers: { ...auth(t), "Content-Type": type },
        body: JSON.stringify({ description: type }),
      });
      assert.equal(patched.status, 200, type);
      assert.equal((await patched.json()).description, type);
    }
  }));

Deno.test("errors follow the precedence 401, 405, 413, 415, 400", () =>
  withTestApp(async (t) => {
    const big = paddedBody(BODY_LIMIT + 1);
    const text = { ...auth(t), "Content-Type": "text/plain" };
    const problems = await assertLadder(t, "/api/payouts/", [
      { method: "POST", headers: { "Content-Type": "text/plain" }, body: big, status: 401 },
      { method: "PUT", body: "{", status: 401 },
      { method: "PUT", headers: text, body: big, status: 405 },
      { method: "POST", headers: text, body: big, status: 413 },
      { method: "POST", headers: text, body: "{not json", status: 415 },
      { method: "POST", headers: t.headers, body: "{not json", status: 400 },
    ]);
    assert.match(problems.at(-1)!.detail, /JSON/);
  }));

Deno.test("X-Request-Id is echoed when well-formed and replaced when not", () =>
  withTestApp(async (t) => {
    const good = `req-${crypto.randomUUID()}`;
    for (const path of ["/api/payouts/", "/api/payouts/nope/", "/nowhere"]) {
      const response = await t.request(path, { headers: { ...t.headers, "X-Request-Id": good } });
      assert.equal(response.headers.get("x-request-id"), good, path);
      await response.body?.cancel();
    }
    const unauthorized = await t.request("/api/payouts/", { headers: { "X-Request-Id": good } });
    assert.equal(unauthorized.headers.get("x-request-id"), good);
    await unauthorized.body?.cancel();

    const generated = new Set<string>();
    for (const bad of ["x".repeat(300), "has spaces", "a\tb", "<script>", "", "ü"]) {
      const response = await t.request("/api/payouts/", {
        headers: { ...t.headers, "X-Request-Id": bad },
      });
      const id = response.headers.get("x-request-id") ?? "";
      assert.notEqual(id, bad);
      assert.match(id, /^[A-Za-z0-9._:-]{1,128}$/, JSON.stringify(bad));
      generated.add(id);
      await response.body?.cancel();
    }
    const none = await t.request("/api/payouts/", { headers: t.headers });
    generated.add(none.headers.get("x-request-id") ?? "");
    await none.body?.cancel();
    assert.equal(generated.size, 7, "each replaced id is fresh");
  }));

Deno.test("unknown query parameters are a 400 naming them on every payout route", () =>
  withTestApp(async (t) => {
    const { payout } = await createPayout(t);
    const requests: [string, string, string | undefined][] = [
      ["POST", "/api/payouts/?dry_run=1", JSON.stringify(payoutBody())],
      ["GET", "/api/payouts/?dry_run=1", undefined],
      ["GET", `/api/payouts/${payout.id}/?dry_run=1`, undefined],
      ["PATCH", `/api/payouts/${payout.id}/?dry_run=1`, '{"description": "x"}'],
      ["DELETE", `/api/v1/payouts/${payout.id}?dry_run=1`, undefined],
      ["GET", `/api/payouts/${payout.id}/events/?dry_run=1`, undefined],
    ];
    for (const [method, path, body] of requests) {
      const response = await t.request(path, { method, headers: t.headers, body });
      const problem = await assertProblem(response, 400);
      assert.deepEqual(problem.errors!.map((e) => e.path), ["dry_run"], `${method} ${path}`);
    }
    const rows = await t.db.sql`select status, version from payouts`;
    assert.deepEqual([...rows], [{ status: "pending", version: 1 }], "nothing was done");
  }));

Deno.test("an unknown path is a 404 problem", () =>
  withTestApp(async (t) => {
    for (
      const path of [
        "/nope",
        "/api",
        "/api/nope/",
        "/api/v2/payouts/",
        "/api/v1/nope",
        "/api/payouts/x/y/z",
      ]
    ) {
      await assertProblem(await t.request(path, { headers: t.headers }), 404);
    }
  }));

Deno.test("no route redirects: every API route answers directly with and without a slash", () =>
  withTestApp(async (t) => {
    const { payout } = await createPayout(t);
    const paths = [
      "payouts",
      `payouts/${payout.id}`,
      `payouts/${payout.id}/events`,
      "schema",
      "docs",
    ];
    for (const prefix of ["/api", "/api/v1"]) {
      for (const path of paths) {
        for (const slash of ["", "/"]) {
          const url = `${prefix}/${path}${slash}`;
          const response = await t.request(url, { headers: t.headers, redirect: "manual" });
          assert.equal(response.status, 200, url);
          assert.equal(response.headers.get("location"), null, url);
          await response.body?.cancel();
        }
      }
    }
  }));

Deno.test("error bodies never leak SQL, driver names or stack traces", () =>
  withTestApp(async (t) => {
    const { payout } = await createPayout(t);
    const requests: [string, RequestInit][] = [
      ["/api/payouts/'%20or%201=1--/", { headers: t.headers }],
      ["/api/payouts/?cursor=djEuMS4x", { headers: t.headers }],
      ["/api/payouts/?limit=999999999999999999999", { headers: t.headers }],
      [`/api/payouts/${payout.id}/`, { method: "PATCH", headers: t.headers, body: "[1," }],
      ["/api/payouts/", {
        method: "POST",
        headers: t.headers,
        body: JSON.stringify(payoutBody({ amount: "1".repeat(40) })),
      }],
      ["/api/payouts/", {
        method: "POST",
        headers: t.headers,
        body: JSON.stringify(payoutBody({ description: "x".repeat(70_000) })),
      }],
    ];
    for (const [path, init] of requests) {
      const response = await t.request(path, init);
      const text = await response.text();
      assert.ok(response.status >= 400 && response.status < 500, `${path}: ${response.status}`);
      assertNoInternals(text);
    }
  }));

Deno.test("any application/*+json type is accepted, digits and parameters included", () =>
  withTestApp(async (t) => {
    for (
      const type of [
        "application/vnd.api.v2+json",
        "application/problem+json; charset=utf-8",
        "APPLICATION/JSON",
        "application/json;;;",
      ]
    ) {
      const response = await t.request("/api/payouts/", {
        method: "POST",
        headers: { ...t.headers, "Content-Type": type },
        body: JSON.stringify({
          amount: "1.00",
          currency: "USD",
          recipient_details: { account: "A" },
        }),
      });
      assert.equal(response.status, 201, `${type}: ${await response.text()}`);
    }
  }));
