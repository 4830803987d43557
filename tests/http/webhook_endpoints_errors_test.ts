/** Authentication, methods, media types, sizes and their precedence on the webhook routes. */
import assert from "node:assert/strict";
import { withTestApp } from "../helpers/app.ts";
import { assertProblem } from "./payout_fixtures.ts";
import { call, createEndpoint, endpointBody } from "./webhook_endpoint_fixtures.ts";
import {
  assertLadder,
  assertMethodNotAllowed,
  assertUnauthenticated,
  auth,
  BODY_LIMIT,
  paddedJson,
} from "./error_fixtures.ts";

function routes(id: string): [string, string][] {
  const message = `msg_${"a".repeat(32)}`;
  return [
    ["GET", "/api/webhook-endpoints/"],
    ["POST", "/api/webhook-endpoints"],
    ["GET", `/api/v1/webhook-endpoints/${id}/`],
    ["PATCH", `/api/webhook-endpoints/${id}`],
    ["DELETE", `/api/webhook-endpoints/${id}/`],
    ["POST", `/api/webhook-endpoints/${id}/rotate-secret/`],
    ["POST", `/api/webhook-endpoints/${id}/test`],
    ["GET", `/api/webhook-endpoints/${id}/deliveries/`],
    ["POST", `/api/v1/webhook-endpoints/${id}/deliveries/${message}/retry/`],
    ["GET", "/api/webhook-endpoints/unknown/path/here"],
  ];
}

function padded(size: number): Uint8Array<ArrayBuffer> {
  return paddedJson(endpointBody(), size);
}

Deno.test("webhook routes answer 401 with WWW-Authenticate: Bearer without a valid key", () =>
  withTestApp(async (t) => {
    const endpoint = await createEndpoint(t);
    const before = await t.db.sql`select * from webhook_endpoints`;
    const credentials: Record<string, string>[] = [{}, {
      Authorization: `Bearer pk_${"A".repeat(43)}`,
    }];
    for (const headers of credentials) {
      for (const [method, path] of routes(endpoint.id)) {
        await assertUnauthenticated(t, method, path, headers, path);
      }
    }
    const after = await t.db.sql`select * from webhook_endpoints`;
    assert.deepEqual([...after], [...before], "no route touched the endpoint");
  }));

Deno.test("a webhook route with an unsupported method is a 405 with Allow", () =>
  withTestApp(async (t) => {
    const id = crypto.randomUUID();
    const message = `msg_${"b".repeat(32)}`;
    const cases: [string, string, string[]][] = [
      ["PUT", "/api/webhook-endpoints/", ["GET", "POST"]],
      ["DELETE", "/api/v1/webhook-endpoints", ["GET", "POST"]],
      ["POST", `/api/webhook-endpoints/${id}/`, ["GET", "PATCH", "DELETE"]],
      ["PUT", `/api/webhook-endpoints/${id}`, ["GET", "PATCH", "DELETE"]],
      ["GET", `/api/webhook-endpoints/${id}/rotate-secret/`, ["POST"]],
      ["DELETE", `/api/webhook-endpoints/${id}/test`, ["POST"]],
      ["POST", `/api/webhook-endpoints/${id}/deliveries/`, ["GET"]],
      ["GET", `/api/v1/webhook-endpoints/${id}/deliveries/${message}/retry`, ["POST"]],
    ];
    for (const [method, path, allowed] of cases) {
      await assertMethodNotAllowed(t, method, path, allowed);
    }
  }));

Deno.test("webhook bodies over 65,536 bytes are a 413 and non-JSON types a 415", () =>
  withTestApp(async (t) => {
    const endpoint = await createEndpoint(t);
    const big = padded(BODY_LIMIT + 1);
    const withBodies: [string, string][] = [
      ["POST", "/api/webhook-endpoints/"],
      ["PATCH", `/api/webhook-endpoints/${endpoint.id}/`],
      ["POST", `/api/webhook-endpoints/${endpoint.id}/rotate-secret/`],
      ["POST", `/api/webhook-endpoints/${endpoint.id}/test/`],
    ];
    for (const [method, path] of withBodies) {
      await assertProblem(await t.request(path, { method, headers: t.headers, body: big }), 413);
      await assertProblem(
        await t.request(path, {
          method,
          headers: { ...auth(t), "Content-Type": "text/plain" },
          body: "{}",
        }),
        415,
      );
    }
    const exact = await t.request("/api/webhook-endpoints/", {
      method: "POST",
      headers: t.headers,
      body: padded(BODY_LIMIT),
    });
    assert.equal(exact.status, 201, "65,536 bytes is allowed");
    await exact.body?.cancel();
  }));

Deno.test("webhook errors follow the precedence 401, 405, 413, 415, 400, 404, 409", () =>
  withTestApp(async (t) => {
    const big = padded(BODY_LIMIT + 1);
    const unknown = `/api/webhook-endpoints/${crypto.randomUUID()}/`;
    const odd = { ...auth(t), "Content-Type": "x/y" };
    await assertLadder(t, unknown, [
      { method: "PUT", headers: { "Content-Type": "text/plain" }, body: big, status: 401 },
      { method: "PUT", headers: odd, body: big, status: 405 },
      { method: "PATCH", headers: odd, body: big, status: 413 },
      { method: "PATCH", headers: odd, body: "{", status: 415 },
    ]);
    await assertProblem(await call(t, "PATCH", unknown, "{"), 400);
    await assertProblem(await call(t, "PATCH", unknown, { status: "x" }), 400);
    await assertProblem(await call(t, "PATCH", unknown, { status: "enabled" }), 404);

    const endpoint = await createEndpoint(t);
    const path = `/api/webhook-endpoints/${endpoint.id}/`;
    assert.equal((await call(t, "PATCH", path, { status: "disabled" })).status, 200);
    await assertProblem(await call(t, "POST", `${path}test/`, { x: 1 }), 400);
    await assertProblem(
      await call(t, "POST", `/api/webhook-endpoints/${crypto.randomUUID()}/test/`),
      404,
    );
    await assertProblem(await call(t, "POST", `${path}test/`), 409);
  }));
