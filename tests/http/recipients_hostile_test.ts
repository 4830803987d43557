/**
 * Random and adversarial input at the recipient routes and at payouts by `recipient_id`.
 * Whatever arrives, the API answers below 500, every 4xx is a problem document, and a
 * rejected request writes nothing: recipients, their audit rows and payouts grow only by
 * what succeeded.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { createTestApp, type TestApp } from "../helpers/app.ts";
import { growth } from "../helpers/database.ts";
import { createRecipient, IBAN, sepaBody, testBody } from "./recipient_fixtures.ts";

const nasty = fc.constantFrom(
  "",
  " ",
  "\u0000",
  "\ud800",
  "😀".repeat(71),
  "x".repeat(3000),
  "__proto__",
  "constructor",
  "'; drop table recipients; --",
  "DE89 3704 0044 0532 0130 00",
  "de89370400440532013000",
  "DE00370400440532013000",
  "GB82WEST12345698765432",
  "COBADEFFXXX",
  "BNPAFRPP",
  "COBAXXFF",
  "EUR",
  "usd",
  "XTS",
  "sepa",
  "test",
  "null",
);
const anyString = fc.oneof(nasty, fc.string({ maxLength: 80 }), fc.string({ unit: "binary" }));
const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  anyString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(anyString, anyString, { maxKeys: 25 }),
);

/** The digits of the test IBAN that masking must hide. */
const ACCOUNT_DIGITS = "370400440532013000";

/** The request's body without its `account`: what the answer may echo as given. */
function outsideAccount(body: unknown): string {
  if (typeof body !== "string") return "";
  try {
    const parsed = JSON.parse(body);
    if (parsed && typeof parsed === "object") delete parsed.account;
    return JSON.stringify(parsed) ?? "";
  } catch {
    return body;
  }
}

/** Free text a client stored earlier (names, metadata, descriptions) may hold any digits. */
const FREE_TEXT_FIELDS = new Set(["name", "metadata", "description"]);

/** The answer without the free-text fields a client chose, so what is left is ours to show. */
function withoutFreeText(text: string): string {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (!value || typeof value !== "object") return value;
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !FREE_TEXT_FIELDS.has(key))
        .map(([key, inner]) => [key, strip(inner)]),
    );
  };
  try {
    return JSON.stringify(strip(JSON.parse(text)));
  } catch {
    return text;
  }
}

/** Sets an own property, whatever its name, on a plain copy. */
function withField(object: Record<string, unknown>, key: string, value: unknown) {
  const copy = { ...object };
  Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

const field = fc.oneof(
  fc.constantFrom("name", "type", "currency", "account", "metadata", "id", "created_at"),
  anyString,
);
const accountField = fc.constantFrom("iban", "bic", "account", "owner", "__proto__");
const base = fc.constantFrom(sepaBody(), testBody(), sepaBody({ account: { iban: IBAN } }));

const body = fc.oneof(
  base,
  fc.tuple(base, fc.constantFrom("name", "currency"), anyString).map(([b, k, v]) => ({
    ...b,
    [k]: v,
  })),
  fc.tuple(base, field, anyJson).map(([b, k, v]) => withField(b, k, v)),
  fc.tuple(base, accountField, anyJson).map(([b, k, v]) =>
    withField(b, "account", withField(b.account as Record<string, unknown>, k, v))
  ),
  fc.tuple(base, fc.dictionary(anyString, anyJson, { maxKeys: 22 })).map(([b, m]) => ({
    ...b,
    metadata: m,
  })),
  fc.jsonValue({ maxDepth: 3 }),
).map((value) => JSON.stringify(value));

/** Percent-encodes any string; lone surrogates become `x` (they cannot be encoded). */
const encode = (text: string) => encodeURIComponent(text.replace(/[\ud800-\udfff]/g, "x"));

const query = fc.array(
  fc.tuple(
    fc.oneof(fc.constantFrom("limit", "cursor", "type", "currency", "reveal"), anyString),
    anyString,
  ),
  { maxLength: 3 },
).map((pairs) => pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join("&"));

function requests(t: TestApp, ids: string[]) {
  const id = fc.oneof(
    fc.constantFrom(...ids),
    fc.uuid(),
    anyString.map(encode),
    fc.constantFrom("%00", "%ZZ", "..", "x".repeat(5000)),
  );
  const prefix = fc.constantFrom("/api", "/api/v1");
  return fc.oneof(
    fc.record({ method: fc.constant("POST"), path: fc.constant("/recipients/"), body }),
    fc.record({ method: fc.constant("PATCH"), path: id.map((i) => `/recipients/${i}/`), body }),
    fc.record({ method: fc.constant("GET"), path: fc.constant("/recipients/"), query }),
    fc.record({ method: fc.constant("GET"), path: id.map((i) => `/recipients/${i}/`), query }),
    fc.record({ method: fc.constant("GET"), path: id.map((i) => `/recipients/${i}/events/`) }),
    fc.record({ method: fc.constant("DELETE"), path: id.map((i) => `/recipients/${i}/`) }),
    fc.record({
      method: fc.constant("POST"),
      path: fc.constant("/payouts/"),
      body: fc.oneof(id, anyJson).map((recipientId) =>
        JSON.stringify({ amount: "1", currency: "EUR", recipient_id: recipientId })
      ),
    }),
  ).chain((request) =>
    prefix.map((p) => ({
      ...request,
      path: `${p}${request.path}${"query" in request && request.query ? `?${request.query}` : ""}`,
      headers: t.headers,
    }))
  );
}

async function counts(t: TestApp) {
  const [row] = await t.db.sql`
    select (select count(*)::int from recipients) as recipients,
      (select count(*)::int from recipient_events) as events,
      (select count(*)::int from payouts) as payouts
  `;
  return { ...row };
}

Deno.test("no input to the recipient routes gets a 500 or writes anything when refused", async () => {
  const t = await createTestApp();
  try {
    const ids: string[] = [];
    for (const b of [sepaBody(), testBody(), testBody({ currency: "EUR" })]) {
      ids.push((await createRecipient(t, b)).recipient.id);
    }
    const before = await counts(t);
    const expected = { recipients: 0, events: 0, payouts: 0 };
    await fc.assert(
      fc.asyncProperty(requests(t, ids), async (request) => {
        const response = await t.request(request.path, {
          method: request.method,
          headers: request.headers,
          body: "body" in request ? request.body as string : undefined,
        });
        const label = `${request.method} ${request.path.slice(0, 120)}`;
        const text = await response.text();
        assert.ok(response.status < 500, `${label} answered ${response.status}: ${text}`);
        if (response.status >= 400) {
          assert.equal(response.headers.get("content-type"), "application/problem+json", label);
          assert.equal(JSON.parse(text).status, response.status, label);
        }
        const ok = response.status < 300;
        if (ok && request.path.includes("/payouts/")) expected.payouts += 1;
        else if (ok && request.method === "POST") {
          expected.recipients += 1;
          expected.events += 1;
        } else if (ok && (request.method === "PATCH" || request.method === "DELETE")) {
          expected.events += 1;
        }
        // A stored account number never shows (an error may echo what the request sent, and
        // an answer may show a name or metadata, stored by this or an earlier request, that
        // happens to hold the same digits).
        if (
          ok &&
          !outsideAccount("body" in request ? request.body : undefined).includes(ACCOUNT_DIGITS)
        ) {
          assert.doesNotMatch(
            withoutFreeText(text),
            new RegExp(ACCOUNT_DIGITS),
            `${label} showed an account`,
          );
        }
      }),
      { numRuns: 300 },
    );
    const after = await counts(t);
    assert.deepEqual(growth(before, after), expected);
  } finally {
    await t.close();
  }
});
