import assert from "node:assert/strict";
import { API_ROUTES } from "../../src/api_routes.ts";
import { apiRoute } from "../../src/http/api_route.ts";
import { pathPattern, routePath, routeTable } from "../../src/http/route_table.ts";

const allowed = (path: string) =>
  API_ROUTES.pathMethods.find((row) => row.pattern.test(path))?.methods;

Deno.test("an OpenAPI path becomes a pattern matching one segment per parameter", () => {
  const pattern = pathPattern("/webhook-endpoints/{id}/deliveries/{message_id}/retry");
  assert.ok(pattern.test("/webhook-endpoints/abc/deliveries/msg_1/retry"));
  assert.ok(!pattern.test("/webhook-endpoints/abc/deliveries/retry"));
  assert.ok(!pattern.test("/webhook-endpoints/a/b/deliveries/msg_1/retry"));
  assert.ok(!pattern.test("/x/webhook-endpoints/abc/deliveries/msg_1/retry"));
  assert.ok(!pathPattern("/a.b").test("/aXb"), "literal parts are escaped");
});

Deno.test("a request path loses its API prefix and trailing slashes", () => {
  assert.equal(routePath("/api/payouts/"), "/payouts");
  assert.equal(routePath("/api/v1/payouts/abc//"), "/payouts/abc");
  assert.equal(routePath("/payouts"), "/payouts");
});

Deno.test("the 405 table lists what the route contracts serve at each path", () => {
  assert.deepEqual(allowed("/payouts"), ["GET", "POST"]);
  assert.deepEqual(allowed("/payouts/abc"), ["GET", "PATCH", "DELETE"]);
  assert.deepEqual(allowed("/payouts/abc/events"), ["GET"]);
  assert.deepEqual(allowed("/payouts/abc/approve"), ["POST"]);
  assert.deepEqual(allowed("/payouts/abc/reject"), ["POST"]);
  assert.deepEqual(allowed("/recipients"), ["GET", "POST"]);
  assert.deepEqual(allowed("/recipients/abc"), ["GET", "PATCH", "DELETE"]);
  assert.deepEqual(allowed("/recipients/abc/events"), ["GET"]);
  assert.deepEqual(allowed("/webhook-endpoints"), ["GET", "POST"]);
  assert.deepEqual(allowed("/webhook-endpoints/abc"), ["GET", "PATCH", "DELETE"]);
  assert.deepEqual(allowed("/webhook-endpoints/abc/rotate-secret"), ["POST"]);
  assert.deepEqual(allowed("/webhook-endpoints/abc/test"), ["POST"]);
  assert.deepEqual(allowed("/webhook-endpoints/abc/deliveries"), ["GET"]);
  assert.deepEqual(allowed("/webhook-endpoints/abc/deliveries/msg_1/retry"), ["POST"]);
  assert.deepEqual(allowed("/schema"), ["GET"]);
  assert.deepEqual(allowed("/docs"), ["GET"]);
  assert.equal(allowed("/payouts/abc/nothing"), undefined);
});

Deno.test("exactly the routes whose contract makes the body optional may leave it out", () => {
  const optional = [
    "/payouts/abc/approve",
    "/payouts/abc/reject",
    "/webhook-endpoints/abc/rotate-secret",
    "/webhook-endpoints/abc/test",
    "/webhook-endpoints/abc/deliveries/msg_1/retry",
  ];
  for (const path of optional) assert.ok(API_ROUTES.bodyOptional("POST", path), path);
  for (const path of ["/payouts", "/webhook-endpoints", "/payouts/payouts/abc/approve"]) {
    assert.ok(!API_ROUTES.bodyOptional("POST", path), path);
  }
  assert.ok(!API_ROUTES.bodyOptional("PATCH", "/payouts/abc"));
  assert.ok(!API_ROUTES.bodyOptional("GET", "/payouts/abc/approve"));
});

Deno.test("a method or path no route serves needs the collection's read or write scope", () => {
  const table = routeTable([
    { method: "get", path: "/things", scope: "payouts:read" },
    { method: "post", path: "/things", scope: "payouts:write" },
    { method: "get", path: "/things/{id}/log", scope: "payouts:read" },
    { method: "post", path: "/things/{id}/approve", scope: "payouts:approve" },
    { method: "get", path: "/open" },
  ]);
  assert.equal(table.scopeFor("/things", "HEAD"), "payouts:read");
  assert.equal(table.scopeFor("/things/abc/log", "POST"), "payouts:write");
  assert.equal(table.scopeFor("/things/abc/other", "GET"), "payouts:read");
  assert.equal(table.scopeFor("/things/abc", "DELETE"), "payouts:write");
  // A path whose routes all need a scope of their own needs it whatever the method.
  assert.equal(table.scopeFor("/things/abc/approve", "GET"), "payouts:approve");
  assert.equal(table.scopeFor("/open", "GET"), undefined);
  assert.equal(table.scopeFor("/thingsx", "GET"), undefined);
});

Deno.test("two routes for one method and path are refused", () => {
  assert.throws(
    () =>
      routeTable([
        { method: "get", path: "/things/{id}" },
        { method: "get", path: "/things/{thing_id}" },
      ]),
    /two routes for GET \/things\/\{thing_id\}/,
  );
});

Deno.test("an API route carries its scope without putting it in the OpenAPI contract", () => {
  const route = apiRoute({
    method: "get",
    path: "/things",
    scope: "payouts:read",
    responses: { 200: { description: "ok" } },
  });
  assert.equal(route.scope, "payouts:read");
  assert.ok(!("scope" in { ...route }));
  assert.ok(!JSON.stringify(route).includes("scope"));
});
