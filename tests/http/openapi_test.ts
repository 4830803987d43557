import assert from "node:assert/strict";
import { apiRoutes, openApiDocument } from "../../src/app.ts";
import { idempotencyLockId, parseIdempotencyKey } from "../../src/idempotency/idempotency_key.ts";
import type { PayoutService } from "../../src/payouts/payouts.service.ts";
import type { RecipientService } from "../../src/recipients/recipients.service.ts";
import type { WebhookEndpointService } from "../../src/webhooks/webhook_endpoints.service.ts";
import { type TestApp, withTestApp } from "../helpers/app.ts";
import { resolveResponses } from "../helpers/openapi.ts";
import { createPayout, payoutBody } from "./payout_fixtures.ts";
import { createEndpoint, endpointBody } from "./webhook_endpoint_fixtures.ts";
import { createRecipient, sepaBody } from "./recipient_fixtures.ts";

type Operation = {
  tags?: string[];
  requestBody?: { required?: boolean; content: Record<string, { schema: { $ref?: string } }> };
  responses: Record<string, { headers?: Record<string, unknown>; content?: object }>;
  parameters?: { name: string; in: string }[];
  security?: Record<string, string[]>[];
};
type Document = {
  openapi: string;
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { type: string; scheme: string }> };
};

/** Every operation the app serves under an API prefix, with the statuses API.md gives it. */
const EXPECTED: Record<string, Record<string, string[]>> = {
  "/payouts": {
    post: ["201", "400", "401", "403", "405", "409", "413", "415", "422", "429"],
    get: ["200", "400", "401", "403", "405", "429"],
  },
  "/payouts/{id}": {
    get: ["200", "400", "401", "403", "404", "405", "429"],
    patch: ["200", "400", "401", "403", "404", "405", "409", "412", "413", "415", "429"],
    delete: ["204", "400", "401", "403", "404", "405", "409", "412", "429"],
  },
  "/payouts/{id}/events": {
    get: ["200", "400", "401", "403", "404", "405", "429"],
  },
  "/payouts/{id}/approve": {
    post: ["200", "400", "401", "403", "404", "405", "409", "412", "413", "415", "429"],
  },
  "/payouts/{id}/reject": {
    post: ["200", "400", "401", "403", "404", "405", "409", "412", "413", "415", "429"],
  },
  ...RECIPIENT_EXPECTED(),
  ...WEBHOOK_EXPECTED(),
};

/** The recipient operations and their statuses (hoisted so EXPECTED can spread it). */
function RECIPIENT_EXPECTED(): Record<string, Record<string, string[]>> {
  const withBody = ["400", "401", "403", "405", "413", "415", "429"];
  const noBody = ["400", "401", "403", "405", "429"];
  return {
    "/recipients": { post: ["201", "409", "422", ...withBody], get: ["200", ...noBody] },
    "/recipients/{id}": {
      get: ["200", "404", ...noBody],
      patch: ["200", "404", "412", ...withBody],
      delete: ["204", "404", "412", ...noBody],
    },
    "/recipients/{id}/events": { get: ["200", "404", ...noBody] },
  };
}

/** The webhook endpoint operations and their statuses (hoisted so EXPECTED can spread it). */
function WEBHOOK_EXPECTED(): Record<string, Record<string, string[]>> {
  const withBody = ["400", "401", "403", "405", "413", "415", "429"];
  const noBody = ["400", "401", "403", "405", "429"];
  return {
    "/webhook-endpoints": { post: ["201", ...withBody], get: ["200", ...noBody] },
    "/webhook-endpoints/{id}": {
      get: ["200", "404", ...noBody],
      patch: ["200", "404", ...withBody],
      delete: ["204", "404", ...noBody],
    },
    "/webhook-endpoints/{id}/rotate-secret": { post: ["200", "404", ...withBody] },
    "/webhook-endpoints/{id}/test": { post: ["202", "404", "409", ...withBody] },
    "/webhook-endpoints/{id}/deliveries": { get: ["200", "404", ...noBody] },
    "/webhook-endpoints/{id}/deliveries/{message_id}/retry": {
      post: ["202", "404", "409", ...withBody],
    },
  };
}

/** The document served at `path`, each shared response resolved where it is referred to. */
async function schema(t: TestApp, path: string): Promise<Document> {
  const response = await t.request(path);
  assert.equal(response.status, 200, path);
  assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
  return resolveResponses(await response.json());
}

/** A request to send: the method, the documented path it falls under, the path sent, the rest. */
type Probe = [method: string, template: string, path: string, init: RequestInit];

/**
 * Sends each probe under /api/v1, asserting the status it gets is one the document
 * declares for that operation; returns the statuses seen.
 */
async function probe(t: TestApp, doc: Document, probes: Probe[]): Promise<Set<string>> {
  const observed = new Set<string>();
  for (const [method, template, path, init] of probes) {
    const response = await t.request(`/api/v1${path}`, { ...init, method: method.toUpperCase() });
    await response.body?.cancel();
    const status = String(response.status);
    observed.add(status);
    const declared = Object.keys(doc.paths[template][method].responses);
    assert.ok(
      declared.includes(status),
      `${method} ${path} (${template}) answered undeclared ${status}`,
    );
  }
  return observed;
}

/** PUT on each documented path (ids filled with `x`) answers 405. */
async function assertPutIs405(
  t: TestApp,
  expected: Record<string, unknown>,
  headers: HeadersInit,
): Promise<void> {
  for (const path of Object.keys(expected)) {
    const response = await t.request(`/api/v1${path.replace(/\{[a-z_]+\}/g, "x")}/`, {
      method: "PUT",
      headers,
    });
    await response.body?.cancel();
    assert.equal(response.status, 405, path);
  }
}

/**
 * Every operation under `prefix` carries exactly the `tag`, and every response and request
 * body it declares names a component.
 */
function assertTaggedComponents(doc: Document, prefix: string, tag: string): void {
  for (const [path, ops] of Object.entries(doc.paths)) {
    if (!path.startsWith(prefix)) continue;
    for (const [method, op] of Object.entries(ops)) {
      assert.deepEqual(op.tags, [tag], `${method} ${path} is tagged`);
      for (const [status, response] of Object.entries(op.responses)) {
        const content = response.content as Record<string, { schema: { $ref?: string } }>;
        for (const media of Object.values(content ?? {})) {
          assert.ok(media.schema.$ref, `${method} ${path} ${status} names its component`);
        }
      }
      for (const media of Object.values(op.requestBody?.content ?? {})) {
        assert.ok(media.schema.$ref, `${method} ${path} names its body component`);
      }
    }
  }
}

/** The statuses the webhook and recipient route probes must reach, sorted as strings. */
const PROBED_STATUSES = [
  "200",
  "201",
  "204",
  "400",
  "401",
  "403",
  "404",
  "409",
  "412",
  "413",
  "415",
];

Deno.test("the OpenAPI 3.1 document is served under both prefixes with a matching server", () =>
  withTestApp(async (t) => {
    for (const prefix of ["/api", "/api/v1"]) {
      for (const path of [`${prefix}/schema/`, `${prefix}/schema`]) {
        const doc = await schema(t, path);
        assert.equal(doc.openapi, "3.1.0");
        assert.deepEqual(doc.servers.map((s) => s.url), [prefix]);
      }
    }
    const first = await schema(t, "/api/schema/");
    const again = await schema(t, "/api/schema/");
    assert.deepEqual(again, first, "the document is stable across requests");
  }));

Deno.test("the OpenAPI document covers every operation with every status it can give", () =>
  withTestApp(async (t) => {
    const doc = await schema(t, "/api/schema/");
    const methodsByPath = (paths: Record<string, object>) =>
      Object.fromEntries(
        Object.entries(paths).map(([path, ops]) => [path, Object.keys(ops).sort()]),
      );
    assert.deepEqual(
      methodsByPath(doc.paths),
      methodsByPath(EXPECTED),
      "the documented operations are the ones served",
    );

    for (const [path, ops] of Object.entries(EXPECTED)) {
      for (const [method, statuses] of Object.entries(ops)) {
        const declared = Object.keys(doc.paths[path][method].responses);
        for (const status of statuses) {
          assert.ok(declared.includes(status), `${method} ${path} must declare ${status}`);
        }
      }
    }
  }));

Deno.test("every status the routes answer is declared for that operation", () =>
  withTestApp(async (t) => {
    const doc = await schema(t, "/api/v1/schema/");
    const { payout, etag } = await createPayout(t);
    const started = await createPayout(t);
    await t.db.sql`update payouts set status = 'processing' where id = ${started.payout.id}`;
    const unknown = crypto.randomUUID();
    const json = t.headers;
    const big = " ".repeat(70_000);
    const held = (await createPayout(t, { requires_approval: true })).payout;
    const rejectable = (await createPayout(t, { requires_approval: true })).payout;
    const { key } = await t.apiKeys.create("approver", [
      "payouts:read",
      "payouts:write",
      "payouts:approve",
    ]);
    const approver = { Authorization: `Bearer ${key}`, "Content-Type": "application/json" };
    const probes: Probe[] = [
      ["post", "/payouts", "/payouts/", { headers: json, body: JSON.stringify(payoutBody()) }],
      ["post", "/payouts", "/payouts/", { headers: json, body: "{}" }],
      ["post", "/payouts", "/payouts/", { body: "{}" }],
      ["post", "/payouts", "/payouts/", { headers: json, body: big }],
      ["post", "/payouts", "/payouts/", { headers: { ...json, "Content-Type": "text/plain" } }],
      ["get", "/payouts", "/payouts/", { headers: json }],
      ["get", "/payouts", "/payouts/?limit=0", { headers: json }],
      ["get", "/payouts", "/payouts/", {}],
      ["get", "/payouts/{id}", `/payouts/${payout.id}/`, { headers: json }],
      ["get", "/payouts/{id}", `/payouts/${unknown}/`, { headers: json }],
      ["get", "/payouts/{id}", `/payouts/${unknown}/`, {}],
      ["get", "/payouts/{id}", `/payouts/${payout.id}/?x=1`, { headers: json }],
      ["patch", "/payouts/{id}", `/payouts/${payout.id}/`, {
        headers: { ...json, "If-Match": etag },
        body: '{"description": "x"}',
      }],
      ["patch", "/payouts/{id}", `/payouts/${payout.id}/`, { headers: json, body: "{}" }],
      ["patch", "/payouts/{id}", `/payouts/${unknown}/`, { headers: json, body: '{"amount": 1}' }],
      ["patch", "/payouts/{id}", `/payouts/${payout.id}/`, {
        headers: { ...json, "If-Match": '"stale"' },
        body: '{"amount": 1}',
      }],
      ["patch", "/payouts/{id}", `/payouts/${started.payout.id}/`, {
        headers: json,
        body: '{"amount": 1}',
      }],
      ["patch", "/payouts/{id}", `/payouts/${payout.id}/`, { headers: json, body: big }],
      ["patch", "/payouts/{id}", `/payouts/${payout.id}/`, {
        headers: { ...json, "Content-Type": "text/plain" },
        body: "{}",
      }],
      ["delete", "/payouts/{id}", `/payouts/${payout.id}/`, {
        headers: { ...json, "If-Match": '"stale"' },
      }],
      ["delete", "/payouts/{id}", `/payouts/${started.payout.id}/`, { headers: json }],
      ["delete", "/payouts/{id}", `/payouts/${payout.id}/`, { headers: json }],
      ["delete", "/payouts/{id}", `/payouts/${payout.id}/`, { headers: json }],
      ["get", "/payouts/{id}/events", `/payouts/${started.payout.id}/events/`, { headers: json }],
      ["get", "/payouts/{id}/events", `/payouts/${unknown}/events/`, { headers: json }],
      ["get", "/payouts/{id}/events", `/payouts/${unknown}/events/?x=1`, { headers: json }],
      ["delete", "/payouts/{id}", `/payouts/${unknown}/?x=1`, { headers: json }],
      // The test key lacks payouts:approve; the approver has it.
      ["post", "/payouts/{id}/approve", `/payouts/${held.id}/approve/`, { headers: json }],
      ["post", "/payouts/{id}/approve", `/payouts/${held.id}/approve/`, { headers: approver }],
      ["post", "/payouts/{id}/approve", `/payouts/${held.id}/approve/`, { headers: approver }],
      ["post", "/payouts/{id}/approve", `/payouts/${unknown}/approve/`, { headers: approver }],
      ["post", "/payouts/{id}/reject", `/payouts/${rejectable.id}/reject/`, {
        headers: { ...approver, "If-Match": '"stale"' },
      }],
      ["post", "/payouts/{id}/reject", `/payouts/${rejectable.id}/reject/`, {
        headers: approver,
        body: '{"reason": 7}',
      }],
      ["post", "/payouts/{id}/reject", `/payouts/${rejectable.id}/reject/`, {
        headers: approver,
        body: big,
      }],
      ["post", "/payouts/{id}/reject", `/payouts/${rejectable.id}/reject/`, {
        headers: { ...approver, "Content-Type": "text/plain" },
        body: "{}",
      }],
      ["post", "/payouts/{id}/reject", `/payouts/${rejectable.id}/reject/`, {
        headers: approver,
      }],
    ];
    const observed = await probe(t, doc, probes);
    for (const [path, method] of [["/payouts", "put"], ["/payouts/{id}", "post"]] as const) {
      const response = await t.request(`/api/v1${path.replace("{id}", unknown)}/`, {
        method: method.toUpperCase(),
        headers: json,
      });
      await response.body?.cancel();
      assert.equal(response.status, 405);
      const operations = Object.values(doc.paths[path]);
      assert.ok(operations.some((op) => "405" in op.responses), `${path} documents 405`);
    }
    const wanted = [...PROBED_STATUSES];
    assert.deepEqual([...observed].sort(), wanted, "the probes reached every status");
  }));

Deno.test("the OpenAPI document declares bearer security and the payout headers", () =>
  withTestApp(async (t) => {
    const doc = await schema(t, "/api/schema/");
    const schemes = Object.entries(doc.components.securitySchemes);
    const bearer = schemes.find(([, s]) => s.type === "http" && s.scheme === "bearer");
    assert.ok(bearer, "a bearer security scheme is declared");
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        assert.ok(
          op.security?.some((requirement) => bearer[0] in requirement),
          `${method} ${path} requires the bearer scheme`,
        );
        for (const [status, response] of Object.entries(op.responses)) {
          if (Number(status) >= 400) {
            assert.ok(
              "application/problem+json" in (response.content ?? {}),
              `${method} ${path} ${status} is problem+json`,
            );
          }
        }
      }
    }
    const createParams = doc.paths["/payouts"].post.parameters as {
      name: string;
      in: string;
      required?: boolean;
      schema?: { maxLength?: number; pattern?: string };
    }[];
    const idempotencyKey = createParams.find((p) => p.name.toLowerCase() === "idempotency-key");
    assert.equal(idempotencyKey?.in, "header", "POST /payouts documents Idempotency-Key");
    assert.equal(idempotencyKey.required, false);
    assert.equal(idempotencyKey.schema?.maxLength, 255);
    assert.equal(idempotencyKey.schema?.pattern, "^[\\x20-\\x7E]+$");
    // The documented limits accept and refuse exactly the keys the handler does.
    const documented = (key: string) =>
      key.length >= 1 && key.length <= idempotencyKey.schema!.maxLength! &&
      new RegExp(idempotencyKey.schema!.pattern!).test(key);
    const handled = (key: string) => {
      try {
        return parseIdempotencyKey(key) === key;
      } catch {
        return false;
      }
    };
    for (
      const key of [
        "",
        " ",
        "a",
        "order-1138",
        "x".repeat(255),
        "x".repeat(256),
        "é",
        "\x7f",
        "a\tb",
      ]
    ) {
      assert.equal(
        documented(key),
        handled(key),
        `documented and handled agree on ${JSON.stringify(key)}`,
      );
    }
    const create = doc.paths["/payouts"].post.responses["201"].headers ?? {};
    assert.ok("Location" in create && "ETag" in create, "201 declares Location and ETag");
    for (const method of ["get", "patch"]) {
      const headers = doc.paths["/payouts/{id}"][method].responses["200"].headers ?? {};
      assert.ok("ETag" in headers, `${method} 200 declares ETag`);
    }
    const listParams = doc.paths["/payouts"].get.parameters!.map((p) => `${p.in}:${p.name}`);
    assert.deepEqual(listParams.sort(), [
      "query:currency",
      "query:cursor",
      "query:limit",
      "query:scheduled",
      "query:status",
    ]);
    for (const method of ["patch", "delete"]) {
      const names = doc.paths["/payouts/{id}"][method].parameters!.map((p) => p.name);
      assert.ok(names.map((n) => n.toLowerCase()).includes("if-match"), `${method} If-Match`);
    }
    for (const action of ["approve", "reject"]) {
      const operation = doc.paths[`/payouts/{id}/${action}`].post;
      const names = operation.parameters!.map((p) => p.name.toLowerCase());
      assert.ok(names.includes("if-match"), `${action} If-Match`);
      assert.equal(operation.requestBody?.required ?? false, false, `${action} needs no body`);
      assert.ok("ETag" in (operation.responses["200"].headers ?? {}), `${action} 200 ETag`);
    }
  }));

Deno.test("Swagger UI is served with same-origin assets only and a CSP", () =>
  withTestApp(async (t) => {
    for (const prefix of ["/api", "/api/v1"]) {
      const response = await t.request(`${prefix}/docs/`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get("content-type") ?? "", /^text\/html/);
      const csp = response.headers.get("content-security-policy") ?? "";
      assert.match(csp, /default-src 'none'|default-src 'self'/);
      assert.match(csp, /script-src 'self'(;|$)/, "scripts only from the app itself");
      const html = await response.text();

      const refs = [...html.matchAll(/<(script|link)\b[^>]*\b(src|href)="([^"]+)"/g)]
        .map((m) => m[3]);
      assert.ok(refs.length >= 3, `the page references its assets: ${refs}`);
      assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//i, "no external URL");
      assert.doesNotMatch(html, /<script>(?!<\/script>)/, "no inline script");

      const types: Record<string, RegExp> = {
        ".js": /^(text|application)\/javascript/,
        ".css": /^text\/css/,
        ".png": /^image\/png$/,
      };
      for (const ref of refs) {
        assert.ok(ref.startsWith(`${prefix}/docs/`), `${ref} is served under the docs path`);
        const asset = await t.request(ref);
        assert.equal(asset.status, 200, ref);
        const ext = ref.slice(ref.lastIndexOf("."));
        assert.match(asset.headers.get("content-type") ?? "", types[ext], ref);
        const body = await asset.arrayBuffer();
        assert.ok(body.byteLength > 0, `${ref} is not empty`);
        if (ref.endsWith("init.js")) {
          const script = new TextDecoder().decode(body);
          assert.ok(script.includes(`${prefix}/schema/`), "the page loads this prefix's schema");
          assert.doesNotMatch(script, /https?:\/\//);
        }
      }
    }
    const missing = await t.request("/api/docs/assets/nope.js");
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
    const traversal = await t.request("/api/docs/assets/..%2F..%2Fpackage.json");
    assert.equal(traversal.status, 404);
    await traversal.body?.cancel();
  }));

Deno.test("building the OpenAPI document again registers nothing more", () => {
  // No request reaches the service: only the route contracts are read.
  const routes = apiRoutes({
    payouts: {} as PayoutService,
    recipients: {} as RecipientService,
    webhooks: {} as WebhookEndpointService,
  });
  const first = openApiDocument(routes, "/api");
  const registered = routes.openAPIRegistry.definitions.length;
  for (let i = 0; i < 5; i++) openApiDocument(routes, i % 2 ? "/api" : "/api/v1");
  assert.equal(routes.openAPIRegistry.definitions.length, registered);
  assert.deepEqual(openApiDocument(routes, "/api"), first);
});

Deno.test("every status the webhook routes answer is declared for that operation", () =>
  withTestApp(async (t) => {
    const doc = await schema(t, "/api/v1/schema/");
    const endpoint = await createEndpoint(t);
    const off = await createEndpoint(t);
    const json = t.headers;
    const auth = { Authorization: json.Authorization };
    const test = await t.request(`/api/v1/webhook-endpoints/${endpoint.id}/test/`, {
      method: "POST",
      headers: auth,
    });
    const message = (await test.json()).id;
    await t.request(`/api/webhook-endpoints/${off.id}/`, {
      method: "PATCH",
      headers: json,
      body: '{"status": "disabled"}',
    }).then((r) => r.body?.cancel());
    const unknown = crypto.randomUUID();
    const big = " ".repeat(70_000);
    const text = { ...auth, "Content-Type": "text/plain" };
    const one = "/webhook-endpoints/{id}";
    const rotate = `${one}/rotate-secret`;
    const send = `${one}/test`;
    const log = `${one}/deliveries`;
    const retry = `${log}/{message_id}/retry`;
    const at = (id: string, tail = "") => `/webhook-endpoints/${id}${tail}/`;
    const probes: Probe[] = [
      ["post", "/webhook-endpoints", "/webhook-endpoints/", {
        headers: json,
        body: JSON.stringify(endpointBody()),
      }],
      ["post", "/webhook-endpoints", "/webhook-endpoints/", { headers: json, body: "{}" }],
      ["post", "/webhook-endpoints", "/webhook-endpoints/", { body: "{}" }],
      ["post", "/webhook-endpoints", "/webhook-endpoints/", { headers: json, body: big }],
      ["post", "/webhook-endpoints", "/webhook-endpoints/", { headers: text, body: "{}" }],
      ["get", "/webhook-endpoints", "/webhook-endpoints/", { headers: auth }],
      ["get", "/webhook-endpoints", "/webhook-endpoints/?limit=0", { headers: auth }],
      ["get", one, at(endpoint.id), { headers: auth }],
      ["get", one, at(unknown), { headers: auth }],
      ["get", one, at(unknown), {}],
      ["patch", one, at(endpoint.id), { headers: json, body: '{"description": "x"}' }],
      ["patch", one, at(endpoint.id), { headers: json, body: "{}" }],
      ["patch", one, at(unknown), { headers: json, body: '{"description": "x"}' }],
      ["patch", one, at(endpoint.id), { headers: json, body: big }],
      ["patch", one, at(endpoint.id), { headers: text, body: "{}" }],
      ["post", rotate, at(endpoint.id, "/rotate-secret"), { headers: auth }],
      ["post", rotate, at(unknown, "/rotate-secret"), { headers: auth }],
      ["post", rotate, at(endpoint.id, "/rotate-secret"), { headers: json, body: '{"x":1}' }],
      ["post", rotate, at(endpoint.id, "/rotate-secret"), { headers: json, body: big }],
      ["post", rotate, at(endpoint.id, "/rotate-secret"), { headers: text, body: "{}" }],
      ["post", send, at(endpoint.id, "/test"), { headers: auth }],
      ["post", send, at(off.id, "/test"), { headers: auth }],
      ["post", send, at(unknown, "/test"), { headers: auth }],
      ["post", send, at(endpoint.id, "/test"), { headers: json, body: big }],
      ["post", send, at(endpoint.id, "/test"), { headers: text, body: "{}" }],
      ["get", log, at(endpoint.id, "/deliveries"), { headers: auth }],
      ["get", log, at(endpoint.id, "/deliveries") + "?status=x", { headers: auth }],
      ["get", log, at(unknown, "/deliveries"), { headers: auth }],
      ["post", retry, at(endpoint.id, `/deliveries/${message}/retry`), { headers: auth }],
      ["post", retry, at(off.id, `/deliveries/${message}/retry`), { headers: auth }],
      ["post", retry, at(endpoint.id, `/deliveries/msg_x/retry`), { headers: json, body: "[]" }],
      ["post", retry, at(endpoint.id, `/deliveries/msg_x/retry`), { headers: json, body: big }],
      ["post", retry, at(endpoint.id, `/deliveries/msg_x/retry`), { headers: text, body: "{}" }],
      ["delete", one, at(unknown) + "?x=1", { headers: auth }],
      ["delete", one, at(endpoint.id), { headers: auth }],
      ["delete", one, at(endpoint.id), { headers: auth }],
    ];
    const observed = await probe(t, doc, probes);
    const wanted = ["200", "201", "202", "204", "400", "401", "404", "409", "413", "415"];
    assert.deepEqual([...observed].sort(), wanted, "the probes reached every status");
    await assertPutIs405(t, WEBHOOK_EXPECTED(), auth);
  }));

Deno.test("the OpenAPI document names the webhook components, tags and headers", () =>
  withTestApp(async (t) => {
    const doc = await schema(t, "/api/schema/") as Document & {
      components: { schemas: Record<string, { example?: unknown }> };
    };
    assertTaggedComponents(doc, "/webhook-endpoints", "Webhooks");
    for (
      const name of [
        "CreateWebhookEndpoint",
        "PatchWebhookEndpoint",
        "WebhookEndpoint",
        "CreatedWebhookEndpoint",
        "WebhookEndpointList",
        "WebhookSecret",
        "WebhookDelivery",
        "WebhookDeliveryList",
        "WebhookDeliveryAttempt",
      ]
    ) {
      assert.ok(name in doc.components.schemas, `component ${name}`);
    }
    for (const name of ["CreateWebhookEndpoint", "PatchWebhookEndpoint"]) {
      assert.ok(doc.components.schemas[name].example, `${name} has an example`);
    }
    const create = doc.paths["/webhook-endpoints"].post;
    assert.ok("Location" in (create.responses["201"].headers ?? {}), "201 declares Location");
    assert.equal(create.requestBody?.required, true);
    for (const path of ["/rotate-secret", "/test", "/deliveries/{message_id}/retry"]) {
      const op = doc.paths[`/webhook-endpoints/{id}${path}`].post;
      assert.equal(op.requestBody?.required, false, `${path} takes no body`);
    }
    const params = (path: string, method: string) =>
      doc.paths[path][method].parameters!.map((p) => `${p.in}:${p.name}`).sort();
    assert.deepEqual(params("/webhook-endpoints", "get"), ["query:cursor", "query:limit"]);
    assert.deepEqual(params("/webhook-endpoints/{id}/deliveries", "get"), [
      "path:id",
      "query:cursor",
      "query:limit",
      "query:status",
    ]);
    assert.deepEqual(params("/webhook-endpoints/{id}/deliveries/{message_id}/retry", "post"), [
      "path:id",
      "path:message_id",
    ]);
  }));

Deno.test("every status the recipient routes answer is declared for that operation", () =>
  withTestApp(async (t) => {
    const doc = await schema(t, "/api/v1/schema/");
    const { recipient, etag } = await createRecipient(t);
    const other = (await createRecipient(t)).recipient;
    const json = t.headers;
    const auth = { Authorization: json.Authorization };
    const text = { ...auth, "Content-Type": "text/plain" };
    const big = " ".repeat(70_000);
    const unknown = crypto.randomUUID();
    const { key } = await t.apiKeys.create("revealer", ["recipients:read", "recipients:reveal"]);
    const revealer = { Authorization: `Bearer ${key}` };
    const busyKey = `busy-${crypto.randomUUID()}`;
    const one = "/recipients/{id}";
    const at = (id: string, tail = "") => `/recipients/${id}${tail}/`;
    const post = (headers: Record<string, string>, body: unknown): Probe => [
      "post",
      "/recipients",
      "/recipients/",
      { headers, body: typeof body === "string" ? body : JSON.stringify(body) },
    ];
    const probes: Probe[] = [
      post(json, sepaBody()),
      post({ ...json, "Idempotency-Key": "k-1" }, sepaBody()),
      post({ ...json, "Idempotency-Key": "k-1" }, sepaBody({ name: "Other" })),
      post(json, "{}"),
      post({ "Content-Type": "application/json" }, "{}"),
      post(json, big),
      post(text, "{}"),
      post(revealer, sepaBody()),
      ["get", "/recipients", "/recipients/", { headers: auth }],
      ["get", "/recipients", "/recipients/?limit=0", { headers: auth }],
      ["get", one, at(recipient.id), { headers: auth }],
      ["get", one, `${at(recipient.id)}?reveal=true`, { headers: auth }],
      ["get", one, `${at(recipient.id)}?reveal=true`, { headers: revealer }],
      ["get", one, at(unknown), { headers: auth }],
      ["get", one, `${at(recipient.id)}?x=1`, { headers: auth }],
      ["patch", one, at(recipient.id), { headers: json, body: '{"name": "x"}' }],
      ["patch", one, at(recipient.id), {
        headers: { ...json, "If-Match": etag },
        body: '{"name": "y"}',
      }],
      ["patch", one, at(recipient.id), { headers: json, body: "{}" }],
      ["patch", one, at(unknown), { headers: json, body: '{"name": "x"}' }],
      ["patch", one, at(recipient.id), { headers: json, body: big }],
      ["patch", one, at(recipient.id), { headers: text, body: "{}" }],
      ["delete", one, at(other.id), { headers: { ...auth, "If-Match": '"stale"' } }],
      ["delete", one, at(other.id), { headers: auth }],
      ["delete", one, at(other.id), { headers: auth }],
      ["get", `${one}/events`, at(recipient.id, "/events"), { headers: auth }],
      ["get", `${one}/events`, at(unknown, "/events"), { headers: auth }],
    ];
    const observed = await probe(t, doc, probes);
    // 409: a key still in flight.
    const apiKeyId = (await t.db.sql`select id from api_keys where name <> 'revealer'`)[0].id;
    await t.db.sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${idempotencyLockId(apiKeyId, busyKey)}::bigint)`;
      for (
        const status of await probe(t, doc, [
          post({ ...json, "Idempotency-Key": busyKey }, sepaBody()),
        ])
      ) {
        observed.add(status);
      }
    });
    const wanted = [...PROBED_STATUSES, "422"];
    assert.deepEqual([...observed].sort(), wanted, "the probes reached every status");
    await assertPutIs405(t, RECIPIENT_EXPECTED(), auth);
  }));

Deno.test("the OpenAPI document names the recipient components, tags, headers and reveal", () =>
  withTestApp(async (t) => {
    const doc = await schema(t, "/api/schema/") as Document & {
      components: { schemas: Record<string, { example?: unknown; oneOf?: unknown[] }> };
    };
    assertTaggedComponents(doc, "/recipients", "Recipients");
    for (
      const name of [
        "Recipient",
        "RecipientList",
        "CreateRecipientBody",
        "CreateSepaRecipient",
        "CreateTestRecipient",
        "PatchRecipientBody",
        "SepaAccount",
        "RecipientEvent",
        "RecipientEventList",
      ]
    ) {
      assert.ok(name in doc.components.schemas, `component ${name}`);
    }
    assert.equal(doc.components.schemas.CreateRecipientBody.oneOf?.length, 2);
    for (
      const name of [
        "CreateSepaRecipient",
        "CreateTestRecipient",
        "PatchRecipientBody",
        "Recipient",
      ]
    ) {
      assert.ok(doc.components.schemas[name].example, `${name} has an example`);
    }
    const params = (path: string, method: string) =>
      doc.paths[path][method].parameters!.map((p) => `${p.in}:${p.name.toLowerCase()}`).sort();
    assert.deepEqual(params("/recipients", "get"), [
      "query:currency",
      "query:cursor",
      "query:limit",
      "query:type",
    ]);
    assert.deepEqual(params("/recipients/{id}", "get"), ["path:id", "query:reveal"]);
    assert.deepEqual(params("/recipients", "post"), ["header:idempotency-key"]);
    for (const method of ["patch", "delete"]) {
      assert.ok(params("/recipients/{id}", method).includes("header:if-match"), method);
    }
    const create = doc.paths["/recipients"].post.responses["201"].headers ?? {};
    assert.ok("Location" in create && "ETag" in create, "201 declares Location and ETag");
    const reveal = doc.paths["/recipients/{id}"].get.responses["403"] as { description?: string };
    assert.match(reveal.description ?? "", /recipients:reveal/);
    const payout = doc.components.schemas.Payout as { properties?: Record<string, unknown> };
    assert.ok(
      payout.properties && "recipient_id" in payout.properties,
      "payouts show recipient_id",
    );
  }));

/** Every operation's operationId: stable, since generated clients name methods after them. */
const OPERATION_IDS: Record<string, Record<string, string>> = {
  "/payouts": { post: "createPayout", get: "listPayouts" },
  "/payouts/{id}": { get: "getPayout", patch: "updatePayout", delete: "cancelPayout" },
  "/payouts/{id}/events": { get: "listPayoutEvents" },
  "/payouts/{id}/approve": { post: "approvePayout" },
  "/payouts/{id}/reject": { post: "rejectPayout" },
  "/recipients": { post: "createRecipient", get: "listRecipients" },
  "/recipients/{id}": { get: "getRecipient", patch: "updateRecipient", delete: "deleteRecipient" },
  "/recipients/{id}/events": { get: "listRecipientEvents" },
  "/webhook-endpoints": { post: "createWebhookEndpoint", get: "listWebhookEndpoints" },
  "/webhook-endpoints/{id}": {
    get: "getWebhookEndpoint",
    patch: "updateWebhookEndpoint",
    delete: "deleteWebhookEndpoint",
  },
  "/webhook-endpoints/{id}/rotate-secret": { post: "rotateWebhookEndpointSecret" },
  "/webhook-endpoints/{id}/test": { post: "testWebhookEndpoint" },
  "/webhook-endpoints/{id}/deliveries": { get: "listWebhookEndpointDeliveries" },
  "/webhook-endpoints/{id}/deliveries/{message_id}/retry": {
    post: "retryWebhookEndpointDelivery",
  },
};

type Described = Document & {
  info: { contact?: { name?: string }; license?: { name?: string } };
  tags?: { name: string; description?: string }[];
  components: { schemas: Record<string, Record<string, unknown>>; headers?: object };
};

Deno.test("every operation has a unique, stable operationId, a description and a declared tag", () =>
  withTestApp(async (t) => {
    const doc = await schema(t, "/api/schema/") as Described;
    const ids: string[] = [];
    const used = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const { operationId, description, summary, tags } = op as Operation & {
          operationId?: string;
          description?: string;
          summary?: string;
        };
        assert.equal(operationId, OPERATION_IDS[path]?.[method], `${method} ${path} operationId`);
        assert.match(operationId!, /^[a-z]+(?:[A-Z][a-z]+)+$/, "verb-noun camelCase");
        assert.ok(description && summary, `${method} ${path} has a summary and a description`);
        ids.push(operationId!);
        for (const tag of tags ?? []) used.add(tag);
      }
    }
    assert.equal(new Set(ids).size, ids.length, "operationIds are unique");
    assert.equal(ids.length, Object.values(OPERATION_IDS).flatMap(Object.keys).length);
    assert.deepEqual(doc.tags?.map((tag) => tag.name).sort(), [...used].sort());
    for (const tag of doc.tags ?? []) assert.ok(tag.description, `tag ${tag.name} described`);
    assert.ok(doc.info.contact?.name && doc.info.license?.name, "info has contact and license");
  }));

Deno.test("answers use the request schemas where a value round-trips, and nullable is exact", () =>
  withTestApp(async (t) => {
    const doc = await schema(t, "/api/schema/") as Described;
    const schemas = doc.components.schemas;
    const props = (name: string) => schemas[name].properties as Record<string, unknown>;
    const currency = { $ref: "#/components/schemas/CurrencyCode" };
    assert.deepEqual(props("CreatePayout").currency, currency);
    assert.deepEqual(props("Payout").currency, currency);
    const events = { $ref: "#/components/schemas/WebhookEventTypes" };
    assert.deepEqual(props("CreateWebhookEndpoint").events, events);
    assert.deepEqual(props("WebhookEndpoint").events, events);
    assert.match(String(schemas.CurrencyCode.pattern), /A-Za-z/, "any case is accepted");
    for (const name of ["PatchPayout", "PatchRecipientBody", "PatchWebhookEndpoint"]) {
      assert.equal(schemas[name].minProperties, 1, `${name} refuses {}`);
    }
    const scheduled = props("PatchPayout").scheduled_for as { anyOf: { type?: string }[] };
    assert.ok(scheduled.anyOf.some((s) => s.type === "null"), "PATCH scheduled_for: null");
    const account = props("RecipientDetails").account as { minLength: number; pattern: string };
    assert.equal(account.minLength, 1);
    assert.equal((props("CreatePayout").description as { maxLength: number }).maxLength, 255);
    // zod-to-openapi writes `.nullable()` of a component as allOf [ref, {type: [.., "null"]}],
    // which refuses null: none may be left in the document.
    const text = JSON.stringify(doc);
    assert.doesNotMatch(text, /"allOf":\[[^\]]*\{"type":\[[^\]]*"null"\]/, "no nullable allOf");
  }));

Deno.test("every response declares X-Request-Id, from one shared header component", () =>
  withTestApp(async (t) => {
    const doc = await schema(t, "/api/schema/") as Described;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const [status, response] of Object.entries(op.responses)) {
          assert.deepEqual(
            response.headers?.["X-Request-Id"],
            { $ref: "#/components/headers/XRequestId" },
            `${method} ${path} ${status}`,
          );
        }
        for (const [status, header] of [["401", "WWW-Authenticate"], ["429", "Retry-After"]]) {
          assert.ok(header in (op.responses[status].headers ?? {}), `${path} ${status} ${header}`);
        }
        if (op.responses["412"]) assert.ok("ETag" in (op.responses["412"].headers ?? {}));
      }
    }
  }));
