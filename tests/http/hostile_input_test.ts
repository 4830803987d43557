/**
 * Random and adversarial input at every payout and webhook endpoint route. Whatever arrives,
 * the API answers below 500, every 4xx is a well-formed problem document, and a rejected
 * request writes nothing: payouts, events, idempotency records, webhook endpoints and
 * messages grow only by what succeeded.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { createTestApp, type TestApp } from "../helpers/app.ts";
import { growth } from "../helpers/database.ts";

interface HostileRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

/** What successful requests are allowed to add, tallied while a batch runs. */
interface Expected {
  payouts: number;
  events: number;
  idempotency: number;
}

const VALID = {
  amount: "125.50",
  currency: "USD",
  recipient_details: { account: "DE89370400440532013000" },
  description: "invoice",
};

// ---- strings and JSON values ---------------------------------------------------------

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));

const nastyString = fc.constantFrom(
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\ud800",
  "x\udc00y",
  "\ud83d",
  "😀",
  "\u{10ffff}",
  "e\u0301\u0301\u0301",
  "\u202eevil\u202c",
  "\u200b",
  "\u200d\u200c",
  "\ufeff",
  "\u0085\u2028\u2029",
  "'; drop table payouts; --",
  '" or 1=1 --',
  "1' or '1'='1",
  "$1",
  "%s%n%x",
  "${7*7}",
  "{{7*7}}",
  "<script>alert(1)</script>",
  "../../etc/passwd",
  "NaN",
  "Infinity",
  "-1",
  "1e400",
  "0x1F",
  "null",
  "__proto__",
  "constructor",
  "x".repeat(300),
  "é".repeat(70),
  "😀".repeat(65),
  " ".repeat(100),
);

const anyString = fc.oneof(
  nastyString,
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 80 }),
  fc.string({ unit: fc.oneof(fc.string({ unit: "binary-ascii", maxLength: 1 }), loneSurrogate) }),
  fc.string({ maxLength: 3000 }),
);

const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  anyString,
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(anyString, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
);

/** Sets an own property, whatever its name (`__proto__` included), on a plain copy. */
function withField(object: Record<string, unknown>, key: string, value: unknown) {
  const copy = { ...object };
  Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

function without(object: Record<string, unknown>, key: string) {
  const copy = { ...object };
  delete copy[key];
  return copy;
}

const fieldName = fc.oneof(
  fc.constantFrom("amount", "currency", "recipient_details", "description"),
  fc.constantFrom("id", "status", "failure_reason", "created_at", "updated_at"),
  fc.constantFrom("__proto__", "constructor", "prototype", "toString", "hasOwnProperty"),
  anyString,
);

/** A valid body with one thing changed, as JSON text. */
const mutatedBody = fc.oneof(
  fc.tuple(fieldName, anyJson).map(([key, value]) => withField(VALID, key, value)),
  fieldName.map((key) => without(VALID, key)),
  fc.tuple(fc.constantFrom("account", "__proto__", "constructor", "name"), anyJson).map((
    [key, value],
  ) => withField(VALID, "recipient_details", withField(VALID.recipient_details, key, value))),
  fc.tuple(anyString, anyString).map(([key, value]) =>
    withField(VALID, "recipient_details", withField(VALID.recipient_details, key, value))
  ),
  fc.record({
    amount: fc.oneof(anyJson, fc.constantFrom("0.01", "1000000000", "1000000000.01", "1", 1, 0.5)),
    currency: fc.oneof(anyString, fc.constantFrom("usd", "JPY", "BHD", "XAU", "XTS", "US")),
    recipient_details: fc.oneof(anyJson, fc.record({ account: anyString })),
  }),
).map((value) => JSON.stringify(value));

/** Numbers no JavaScript value writes, placed in the amount. */
const hugeNumberBody = fc.oneof(
  fc.constantFrom("1e400", "-1e400", "1e-400", "-0", "1E2", "1.5e-7", "123456789012.34", "0.0"),
  fc.integer({ min: 20, max: 2000 }).map((n) => "9".repeat(n)),
  fc.integer({ min: 20, max: 2000 }).map((n) => `0.${"0".repeat(n)}1`),
).map((number) => JSON.stringify({ ...VALID, amount: "@@" }).replace('"@@"', number));

const deepBody = fc.tuple(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom("[", "{", "rd"))
  .map(([depth, kind]) => {
    if (kind === "[") return "[".repeat(depth) + "]".repeat(depth);
    const nested = '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
    if (kind === "{") return nested;
    return JSON.stringify({ ...VALID, recipient_details: "@@" }).replace('"@@"', nested);
  });

const malformedText = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.constantFrom(
    "",
    "{",
    "}",
    "nul",
    "{'amount': '1'}",
    '{"amount":"1",}',
    "\ufeff" + JSON.stringify(VALID),
    JSON.stringify(VALID) + "garbage",
    JSON.stringify(VALID).slice(0, -1),
    '{"amount":"1","amount":"2","currency":"USD","recipient_details":{"account":"A"}}',
    '{"amount":"1","currency":"USD","recipient_details":{"account":"\\ud800"}}',
    '{"amount":"1","currency":"USD","recipient_details":{"\\udfff":"x","account":"A"}}',
    '{"amount":"1","currency":"US\\u0000D","recipient_details":{"account":"A"}}',
    // A raw NUL byte inside a string, which JSON forbids unescaped.
    '{"amount":"1","currency":"USD","recipient_details":{"account":"A\0B"}}',
  ),
);

const longBody = fc.tuple(fc.constantFrom("description", "account"), fc.integer({ min: 0, max: 3 }))
  .map(([field, size]) => {
    const text = "a".repeat([256, 2_100, 65_000, 70_000][size]);
    return JSON.stringify(
      field === "description"
        ? { ...VALID, description: text }
        : { ...VALID, recipient_details: { account: "A", note: text } },
    );
  });

const jsonBody = fc.oneof(
  { weight: 5, arbitrary: mutatedBody },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: hugeNumberBody },
  { weight: 1, arbitrary: deepBody },
  { weight: 2, arbitrary: malformedText },
  { weight: 1, arbitrary: longBody },
);

const anyBody: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  { weight: 8, arbitrary: jsonBody },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }) },
);

// ---- headers, ids and query strings --------------------------------------------------

/** Any value a header can carry (bytes 0x20-0xFF and tab, no CR/LF/NUL). */
const headerValue = fc.oneof(
  fc.string({
    unit: fc.oneof(
      fc.integer({ min: 0x20, max: 0x7e }),
      fc.integer({ min: 0x80, max: 0xff }),
      fc.constant(0x09),
    ).map((c) => String.fromCharCode(c)),
    maxLength: 300,
  }),
  fc.constantFrom("", "*", "null", "undefined", "0", "-1", "\u00ff".repeat(10)),
);

const contentType = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      "application/json",
      "application/json; charset=utf-8",
      "APPLICATION/JSON",
      "application/problem+json",
      "application/vnd.api+json",
      "application/json; charset=utf-16",
      "application/json;;;",
      "text/plain",
      "text/json",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/jsonx",
      "json",
      "*/*",
      "",
    ),
  },
  { weight: 1, arbitrary: headerValue },
);

function authorization(t: TestApp) {
  const key = t.apiKey;
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(`Bearer ${key}`) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        `bearer ${key}`,
        `BEARER   ${key}`,
        `Bearer ${key} extra`,
        `Bearer ${key.toUpperCase()}`,
        `Bearer ${key}x`,
        `Bearer ${key.slice(0, -1)}`,
        key,
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        `Token ${key}`,
        "Bearer pk_" + "A".repeat(43),
        "Bearer pk_' or 1=1 --",
      ),
    },
    { weight: 1, arbitrary: headerValue.map((value) => `Bearer ${value}`) },
    { weight: 1, arbitrary: headerValue },
  );
}

const idempotencyKey = fc.option(
  fc.oneof(
    fc.uuid(),
    headerValue,
    fc.constantFrom("", "x".repeat(255), "x".repeat(256), "clé", "a\tb"),
  ),
  { nil: undefined, freq: 3 },
);

function ifMatch(etags: string[]) {
  return fc.option(
    fc.oneof(
      fc.constantFrom("*", '"x"', 'W/"x"', '"', '""', "*, *", '"a", W/"b", *', "garbage"),
      fc.constantFrom(...etags),
      fc.array(fc.constantFrom(...etags, '"x"', 'W/"y"'), { maxLength: 4 }).map((l) =>
        l.join(", ")
      ),
      headerValue,
    ),
    { nil: undefined },
  );
}

/** Percent-encodes any string; lone surrogates go as their (invalid) UTF-8 bytes. */
function encode(text: string): string {
  return Array.from(text, (char) => {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0xd800 || code > 0xdfff) return encodeURIComponent(char);
    return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
      .map((byte) => `%${byte.toString(16).toUpperCase()}`).join("");
  }).join("");
}

/** Path segments for `{id}`: real ids, near misses and junk, some of it raw. */
function payoutId(ids: string[]) {
  return fc.oneof(
    fc.constantFrom(...ids),
    fc.constantFrom(...ids).map((id) => id.toUpperCase()),
    fc.uuid(),
    anyString.map(encode),
    fc.constantFrom(
      "%00",
      "%ZZ",
      "%E0%A4%A",
      "%C0%AF",
      "..",
      "%2e%2e",
      "%2F",
      "x".repeat(5000),
      "00000000-0000-0000-0000-000000000000",
      "ffffffff-ffff-ffff-ffff-ffffffffffff",
      "1",
      "-1",
      "1e400",
      "'%20or%201=1--",
    ),
  );
}

const queryString = fc.array(
  fc.tuple(
    fc.oneof(fc.constantFrom("limit", "cursor", "status", "currency"), anyString),
    fc.oneof(
      anyString,
      fc.constantFrom("0", "1", "100", "101", "-1", "1.5", "1e2", "20 ", "pending", "PENDING"),
    ),
  ),
  { maxLength: 4 },
).chain((pairs) =>
  fc.constantFrom(
    pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join("&"),
    pairs.map(([k, v]) => `${k}=${v}`).join("&").replace(/[#\s]/g, ""),
    "limit=%ZZ&cursor=%",
    "limit",
    "&&&=&",
  )
);

const prefix = fc.constantFrom("/api", "/api/v1");
const slash = fc.constantFrom("/", "");

// ---- the checks ----------------------------------------------------------------------

async function counts(t: TestApp): Promise<Expected> {
  const [row] = await t.db.sql`
    select (select count(*)::int from payouts) as payouts,
      (select count(*)::int from payout_events) as events,
      (select count(*)::int from idempotency_keys) as idempotency
  `;
  return { payouts: row.payouts, events: row.events, idempotency: row.idempotency };
}

/** Sends one request and checks the answer is below 500 and, if an error, a problem. */
async function send(t: TestApp, request: HostileRequest): Promise<Response> {
  const response = await t.request(request.path, {
    method: request.method,
    headers: request.headers,
    body: request.body as BodyInit | undefined,
  });
  const label = `${request.method} ${request.path.slice(0, 200)}`;
  assert.ok(response.status < 500, `${label} answered ${response.status}`);
  const text = await response.text();
  if (response.status >= 400 && request.method !== "HEAD") {
    assert.equal(response.headers.get("content-type"), "application/problem+json", label);
    const problem = JSON.parse(text);
    assert.equal(problem.status, response.status, label);
    assert.equal(typeof problem.detail, "string", label);
    assert.ok(problem.detail.length > 0, label);
    assert.equal(typeof problem.title, "string", label);
    assert.match(problem.type, /^\/problems\/[a-z_]+$/, label);
  }
  return response;
}

async function exercise(t: TestApp, request: HostileRequest, expected: Expected) {
  const response = await send(t, request);
  if (request.method === "POST" && response.status === 201) {
    if (response.headers.get("idempotent-replayed") !== "true") {
      expected.payouts += 1;
      expected.events += 1;
      if ("Idempotency-Key" in request.headers) expected.idempotency += 1;
    }
  } else if (request.method === "PATCH" && response.status === 200) {
    expected.events += 1;
  } else if (request.method === "DELETE" && response.status === 204) {
    expected.events += 1;
  } else if (request.method === "POST" && response.status === 200) {
    expected.events += 1; // an approval or a rejection
  }
}

/** Runs a batch; afterwards the tables must have grown by what succeeded, nothing more. */
async function batch(t: TestApp, arbitrary: fc.Arbitrary<HostileRequest>, numRuns: number) {
  const before = await counts(t);
  const expected: Expected = { payouts: 0, events: 0, idempotency: 0 };
  await fc.assert(
    fc.asyncProperty(arbitrary, (request) => exercise(t, request, expected)),
    { numRuns },
  );
  const after = await counts(t);
  assert.deepEqual(growth(before, after), expected);
}

async function seed(t: TestApp): Promise<{ ids: string[]; etags: string[] }> {
  const ids: string[] = [];
  const etags: string[] = [];
  for (let i = 0; i < 4; i++) {
    const response = await t.request("/api/payouts/", {
      method: "POST",
      headers: t.headers,
      body: JSON.stringify(VALID),
    });
    assert.equal(response.status, 201);
    ids.push((await response.json()).id);
    etags.push(response.headers.get("etag") ?? "");
  }
  // One that has left pending, so PATCH and DELETE meet a 409 too.
  await t.db.sql`update payouts set status = 'processing', version = version + 1
    where id = ${ids[0]}`;
  return { ids, etags };
}

Deno.test("hostile input never causes a 5xx, a malformed error or a stray write", async (ctx) => {
  const t = await createTestApp();
  try {
    const { ids, etags } = await seed(t);
    const auth = authorization(t);
    const json = { "Content-Type": "application/json" };

    await ctx.step("POST bodies", async () => {
      const request = fc.record({ prefix, slash, body: anyBody, key: idempotencyKey }).map((r) => ({
        method: "POST",
        path: `${r.prefix}/payouts${r.slash}`,
        headers: {
          ...t.headers,
          ...(r.key === undefined ? {} : { "Idempotency-Key": r.key }),
        },
        body: r.body,
      }));
      await batch(t, request, 700);
    });

    await ctx.step("POST headers", async () => {
      const request = fc.record({
        auth: fc.option(auth, { nil: undefined }),
        type: fc.option(contentType, { nil: undefined }),
        key: idempotencyKey,
        requestId: fc.option(headerValue, { nil: undefined }),
        body: fc.oneof(fc.constant(JSON.stringify(VALID)), jsonBody),
      }).map((r) => {
        const headers: Record<string, string> = {};
        if (r.auth !== undefined) headers.Authorization = r.auth;
        if (r.type !== undefined) headers["Content-Type"] = r.type;
        if (r.key !== undefined) headers["Idempotency-Key"] = r.key;
        if (r.requestId !== undefined) headers["X-Request-Id"] = r.requestId;
        return { method: "POST", path: "/api/payouts/", headers, body: r.body };
      });
      await batch(t, request, 500);
    });

    await ctx.step("PATCH bodies, If-Match and ids", async () => {
      const request = fc.record({
        prefix,
        id: payoutId(ids),
        ifMatch: ifMatch(etags),
        type: fc.oneof(
          { weight: 3, arbitrary: fc.constant(undefined) },
          { weight: 1, arbitrary: contentType },
        ),
        body: fc.oneof(
          anyBody,
          fc.constantFrom("{}", '{"description":"changed"}', '{"currency":"JPY"}'),
          fc.record({ description: anyString }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
        ),
      }).map((r) => ({
        method: "PATCH",
        path: `${r.prefix}/payouts/${r.id}/`,
        headers: {
          ...t.headers,
          ...(r.type === undefined ? {} : { "Content-Type": r.type }),
          ...(r.ifMatch === undefined ? {} : { "If-Match": r.ifMatch }),
        },
        body: r.body,
      }));
      await batch(t, request, 500);
    });

    await ctx.step("GET list query strings", async () => {
      const request = fc.record({ prefix, slash, query: queryString }).map((r) => ({
        method: "GET",
        path: `${r.prefix}/payouts${r.slash}?${r.query}`,
        headers: { Authorization: t.headers.Authorization },
      }));
      await batch(t, request, 400);
    });

    await ctx.step("ids and methods at every route", async () => {
      const request = fc.record({
        prefix,
        slash,
        id: payoutId(ids),
        route: fc.constantFrom("list", "one", "events"),
        method: fc.constantFrom("GET", "DELETE", "PUT", "OPTIONS", "HEAD", "PATCH", "POST"),
        auth: fc.option(auth, { nil: undefined, freq: 6 }),
        ifMatch: ifMatch(etags),
        query: fc.option(queryString, { nil: undefined, freq: 3 }),
      }).map((r) => {
        const path = r.route === "list"
          ? `${r.prefix}/payouts${r.slash}`
          : r.route === "one"
          ? `${r.prefix}/payouts/${r.id}${r.slash}`
          : `${r.prefix}/payouts/${r.id}/events${r.slash}`;
        const headers: Record<string, string> = { ...json };
        if (r.auth !== undefined) headers.Authorization = r.auth;
        if (r.ifMatch !== undefined) headers["If-Match"] = r.ifMatch;
        const hasBody = r.method === "POST" || r.method === "PATCH" || r.method === "PUT";
        return {
          method: r.method,
          path: r.query === undefined ? path : `${path}?${r.query}`,
          headers,
          body: hasBody ? '{"description":"x"}' : undefined,
        };
      });
      await batch(t, request, 700);
    });

    await ctx.step("approve and reject: bodies, If-Match, ids and keys", async () => {
      const held: string[] = [];
      const heldEtags: string[] = [];
      for (let i = 0; i < 6; i++) {
        const response = await t.request("/api/payouts/", {
          method: "POST",
          headers: t.headers,
          body: JSON.stringify({ ...VALID, requires_approval: true }),
        });
        assert.equal(response.status, 201);
        held.push((await response.json()).id);
        heldEtags.push(response.headers.get("etag") ?? "");
      }
      const { key } = await t.apiKeys.create("hostile-approver", [
        "payouts:read",
        "payouts:approve",
      ]);
      const request = fc.record({
        prefix,
        slash,
        id: payoutId([...held, ...ids]),
        action: fc.constantFrom("approve", "reject"),
        approver: fc.boolean(),
        ifMatch: ifMatch([...heldEtags, ...etags]),
        type: fc.option(contentType, { nil: undefined, freq: 4 }),
        body: fc.option(
          fc.oneof(anyBody, fc.constantFrom("{}", '{"reason":"no"}', '{"reason":null}')),
          { nil: undefined, freq: 3 },
        ),
      }).map((r) => {
        const headers: Record<string, string> = {
          Authorization: r.approver ? `Bearer ${key}` : t.headers.Authorization,
        };
        if (r.type !== undefined) headers["Content-Type"] = r.type;
        else if (r.body !== undefined) headers["Content-Type"] = "application/json";
        if (r.ifMatch !== undefined) headers["If-Match"] = r.ifMatch;
        return {
          method: "POST",
          path: `${r.prefix}/payouts/${r.id}/${r.action}${r.slash}`,
          headers,
          body: r.body,
        };
      });
      await batch(t, request, 400);
    });
  } finally {
    await t.close();
  }
});

// ---- webhook endpoints ---------------------------------------------------------------

const WEBHOOK_VALID = {
  url: "https://93.184.216.34/hook",
  events: ["payout.completed"],
  description: "ledger",
};

/** URLs of every kind; host names resolve nowhere (the test app has no DNS). */
const webhookUrl = fc.oneof(
  fc.constantFrom(
    "https://93.184.216.34/hook",
    "https://[2606:2800:220:1:248:1893:25c8:1946]/",
    "http://93.184.216.34/",
    "https://127.0.0.1/",
    "https://2130706433/",
    "https://0x7f.1/",
    "https://[::ffff:127.0.0.1]/",
    "https://169.254.169.254/latest/meta-data/",
    "https://u:p@93.184.216.34/",
    "https://localhost/",
    "https://hooks.example.com/",
    "https://93.184.216.34/#x",
    "https://93.184.216.34:99999/",
    "https://[::1/",
    "https://%00/",
    "https://xn--/",
    "https://\u0000/",
    "javascript:alert(1)",
    "data:text/plain,hi",
    "file:///etc/passwd",
    `https://93.184.216.34/${"a".repeat(2050)}`,
  ),
  anyString,
  anyString.map((text) => `https://${text}/`),
  anyString.map((text) => `https://93.184.216.34/${text}`),
);

const webhookEvents = fc.oneof(
  fc.subarray(["payout.created", "payout.updated", "payout.completed", "payout.failed", "*"]),
  fc.array(fc.constantFrom("payout.created", "*", "webhook.test", "PAYOUT.CREATED", ""), {
    maxLength: 40,
  }),
  anyJson,
);

const webhookField = fc.oneof(
  fc.constantFrom("url", "events", "description", "status"),
  fc.constantFrom("id", "secret", "disabled_reason", "created_at", "updated_at"),
  fc.constantFrom("__proto__", "constructor", "prototype"),
  anyString,
);

/** Valid webhook bodies with one thing changed, and others built from parts. */
const webhookBody = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.tuple(webhookField, anyJson).map(([k, v]) => withField(WEBHOOK_VALID, k, v)),
  },
  { weight: 1, arbitrary: webhookField.map((key) => without(WEBHOOK_VALID, key)) },
  {
    weight: 3,
    arbitrary: fc.record({
      url: webhookUrl,
      events: webhookEvents,
      description: fc.oneof(anyString, anyJson),
      status: fc.constantFrom("enabled", "disabled", "paused", null),
    }, { requiredKeys: [] }),
  },
).map((value) => JSON.stringify(value));

const anyWebhookBody: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  { weight: 6, arbitrary: webhookBody },
  { weight: 3, arbitrary: jsonBody },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  { weight: 1, arbitrary: fc.constantFrom("", "{}", "[]", "null") },
);

const messageId = fc.oneof(
  fc.constantFrom(`msg_${"0".repeat(32)}`, "msg_", "msg_x", "%00", "x".repeat(3000)),
  fc.uuid(),
  anyString.map(encode),
);

const webhookQuery = fc.array(
  fc.tuple(
    fc.oneof(fc.constantFrom("limit", "cursor", "status"), anyString),
    fc.oneof(
      anyString,
      fc.constantFrom("1", "100", "101", "0", "pending", "delivered", "failed", "enabled"),
    ),
  ),
  { maxLength: 4 },
).map((pairs) => pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join("&"));

/** Undefined four times in five: mostly the test key's JSON content type. */
function sometimes<T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });
}

interface WebhookExpected {
  endpoints: number;
  messages: number;
}

async function webhookCounts(t: TestApp): Promise<WebhookExpected> {
  const [row] = await t.db.sql`
    select (select count(*)::int from webhook_endpoints) as endpoints,
      (select count(*)::int from webhook_messages) as messages
  `;
  return { endpoints: row.endpoints, messages: row.messages };
}

/** Like batch, for the webhook routes: endpoints grow by 201s, messages by tests sent. */
async function webhookBatch(
  t: TestApp,
  arbitrary: fc.Arbitrary<HostileRequest>,
  numRuns: number,
) {
  const before = await webhookCounts(t);
  const expected: WebhookExpected = { endpoints: 0, messages: 0 };
  await fc.assert(
    fc.asyncProperty(arbitrary, async (request) => {
      const response = await send(t, request);
      if (request.method === "POST" && response.status === 201) expected.endpoints += 1;
      if (
        request.method === "POST" && response.status === 202 && /\/test\/?$/.test(
          request.path.split("?")[0],
        )
      ) {
        expected.messages += 1;
      }
    }),
    { numRuns },
  );
  const after = await webhookCounts(t);
  assert.deepEqual({
    endpoints: after.endpoints - before.endpoints,
    messages: after.messages - before.messages,
  }, expected);
}

async function seedEndpoints(t: TestApp): Promise<{ ids: string[]; messages: string[] }> {
  const ids: string[] = [];
  const messages: string[] = [];
  for (let i = 0; i < 4; i++) {
    const response = await t.request("/api/webhook-endpoints/", {
      method: "POST",
      headers: t.headers,
      body: JSON.stringify(WEBHOOK_VALID),
    });
    assert.equal(response.status, 201);
    const { id } = await response.json();
    ids.push(id);
    const test = await t.request(`/api/webhook-endpoints/${id}/test/`, {
      method: "POST",
      headers: { Authorization: t.headers.Authorization },
    });
    assert.equal(test.status, 202);
    messages.push((await test.json()).id);
  }
  // One disabled, so tests and retries meet a 409 too.
  await t.db.sql`update webhook_endpoints set status = 'disabled' where id = ${ids[0]}`;
  return { ids, messages };
}

Deno.test("hostile input at the webhook routes never causes a 5xx, a malformed error or a stray write", async (ctx) => {
  const t = await createTestApp();
  try {
    const { ids, messages } = await seedEndpoints(t);
    const auth = authorization(t);
    const endpointId = payoutId(ids);
    const message = fc.oneof(fc.constantFrom(...messages), messageId);

    await ctx.step("POST bodies", async () => {
      const request = fc.record({
        prefix,
        slash,
        body: anyWebhookBody,
        type: sometimes(contentType),
      }).map((r) => ({
        method: "POST",
        path: `${r.prefix}/webhook-endpoints${r.slash}`,
        headers: { ...t.headers, ...(r.type === undefined ? {} : { "Content-Type": r.type }) },
        body: r.body,
      }));
      await webhookBatch(t, request, 500);
    });

    await ctx.step("PATCH bodies and ids", async () => {
      const request = fc.record({ prefix, slash, id: endpointId, body: anyWebhookBody }).map((
        r,
      ) => ({
        method: "PATCH",
        path: `${r.prefix}/webhook-endpoints/${r.id}${r.slash}`,
        headers: t.headers,
        body: r.body,
      }));
      await webhookBatch(t, request, 400);
    });

    await ctx.step("bodies of the bodiless actions", async () => {
      const request = fc.record({
        id: endpointId,
        message,
        action: fc.constantFrom("rotate-secret", "test", "retry"),
        body: fc.option(anyWebhookBody, { nil: undefined }),
        type: sometimes(contentType),
      }).map((r) => {
        const headers: Record<string, string> = { Authorization: t.headers.Authorization };
        const type = r.type ?? (r.body === undefined ? undefined : "application/json");
        if (type !== undefined) headers["Content-Type"] = type;
        const tail = r.action === "retry" ? `deliveries/${r.message}/retry` : r.action;
        return {
          method: "POST",
          path: `/api/webhook-endpoints/${r.id}/${tail}/`,
          headers,
          body: r.body,
        };
      });
      await webhookBatch(t, request, 400);
    });

    await ctx.step("list and delivery log query strings", async () => {
      const request = fc.record({
        prefix,
        slash,
        id: endpointId,
        log: fc.boolean(),
        query: fc.oneof(webhookQuery, queryString),
      }).map((r) => ({
        method: "GET",
        path: r.log
          ? `${r.prefix}/webhook-endpoints/${r.id}/deliveries${r.slash}?${r.query}`
          : `${r.prefix}/webhook-endpoints${r.slash}?${r.query}`,
        headers: { Authorization: t.headers.Authorization },
      }));
      await webhookBatch(t, request, 400);
    });

    await ctx.step("ids and methods at every route", async () => {
      const request = fc.record({
        prefix,
        slash,
        id: endpointId,
        message,
        route: fc.constantFrom("list", "one", "rotate-secret", "test", "deliveries", "retry"),
        method: fc.constantFrom("GET", "DELETE", "PUT", "OPTIONS", "HEAD", "PATCH", "POST"),
        auth: fc.option(auth, { nil: undefined, freq: 6 }),
      }).map((r) => {
        const base = `${r.prefix}/webhook-endpoints`;
        const path = r.route === "list"
          ? `${base}${r.slash}`
          : r.route === "one"
          ? `${base}/${r.id}${r.slash}`
          : r.route === "retry"
          ? `${base}/${r.id}/deliveries/${r.message}/retry${r.slash}`
          : `${base}/${r.id}/${r.route}${r.slash}`;
        const headers: Record<string, string> = { "Content-Type": "application/json" };
        if (r.auth !== undefined) headers.Authorization = r.auth;
        const hasBody = r.method === "POST" || r.method === "PATCH" || r.method === "PUT";
        return {
          method: r.method,
          path,
          headers,
          body: hasBody ? '{"description":"x"}' : undefined,
        };
      });
      await webhookBatch(t, request, 500);
    });
  } finally {
    await t.close();
  }
});
