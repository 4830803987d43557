import assert from "node:assert/strict";
import { scopeFor } from "../../src/api_routes.ts";
import { DEFAULT_SCOPES, parseScopes, SCOPES } from "../../src/apikeys/scopes.ts";

Deno.test("a new key gets every scope but payouts:approve and recipients:reveal", () => {
  const optIn = ["payouts:approve", "recipients:reveal"];
  assert.deepEqual([...DEFAULT_SCOPES], SCOPES.filter((scope) => !optIn.includes(scope)));
  assert.ok(
    DEFAULT_SCOPES.includes("recipients:read") && DEFAULT_SCOPES.includes("recipients:write"),
  );
});

Deno.test("--scopes parses a comma-separated list and refuses unknown scopes", () => {
  assert.deepEqual(parseScopes("payouts:read, payouts:approve,payouts:read"), [
    "payouts:read",
    "payouts:approve",
  ]);
  assert.throws(() => parseScopes("payouts:read,payouts:delete"), /unknown scope payouts:delete/);
  assert.throws(() => parseScopes(" , "), /at least one/);
});

Deno.test("each route needs the scope of what it does", () => {
  const cases: [string, string, string | undefined][] = [
    ["/payouts", "GET", "payouts:read"],
    ["/payouts", "HEAD", "payouts:read"],
    ["/payouts", "POST", "payouts:write"],
    ["/payouts/abc", "GET", "payouts:read"],
    ["/payouts/abc", "PATCH", "payouts:write"],
    ["/payouts/abc", "DELETE", "payouts:write"],
    ["/payouts/abc", "PUT", "payouts:write"],
    ["/payouts/abc/events", "GET", "payouts:read"],
    ["/payouts/abc/approve", "POST", "payouts:approve"],
    ["/payouts/abc/reject", "POST", "payouts:approve"],
    ["/recipients", "GET", "recipients:read"],
    ["/recipients", "POST", "recipients:write"],
    ["/recipients/abc", "GET", "recipients:read"],
    ["/recipients/abc", "PATCH", "recipients:write"],
    ["/recipients/abc", "DELETE", "recipients:write"],
    ["/recipients/abc", "PUT", "recipients:write"],
    ["/recipients/abc/events", "GET", "recipients:read"],
    ["/recipients/abc/events", "POST", "recipients:write"],
    ["/webhook-endpoints", "GET", "webhooks:read"],
    ["/webhook-endpoints", "POST", "webhooks:write"],
    ["/webhook-endpoints/abc/deliveries", "GET", "webhooks:read"],
    ["/webhook-endpoints/abc/rotate-secret", "POST", "webhooks:write"],
    ["/schema", "GET", undefined],
    ["/payoutsx", "GET", undefined],
  ];
  for (const [path, method, scope] of cases) {
    assert.equal(scopeFor(path, method), scope, `${method} ${path}`);
  }
});
