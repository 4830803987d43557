import assert from "node:assert/strict";
import { expireIdempotencyRecords } from "../../src/idempotency/idempotency.service.ts";
import { idempotencyLockId } from "../../src/idempotency/idempotency_key.ts";
import { createTestApp, type TestApp } from "../helpers/app.ts";

const BODY = {
  amount: "125.50",
  currency: "USD",
  recipient_details: { account: "DE89370400440532013000", name: "Ada" },
  description: "invoice 7",
};

function post(t: TestApp, key: string | undefined, body: unknown, headers = t.headers) {
  return t.request("/api/payouts/", {
    method: "POST",
    headers: key === undefined ? headers : { ...headers, "Idempotency-Key": key },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function count(t: TestApp, table: "payouts" | "idempotency_keys"): Promise<number> {
  const [row] = await t.db.sql`select count(*)::int as n from ${t.db.sql(table)}`;
  return row.n;
}

function randomKey(): string {
  return `order-${crypto.randomUUID()}`;
}

Deno.test("20 concurrent POSTs with one Idempotency-Key create exactly one payout", async () => {
  const t = await createTestApp();
  try {
    const key = randomKey();
    const responses = await Promise.all(Array.from({ length: 20 }, () => post(t, key, BODY)));
    const bodies = await Promise.all(responses.map((r) => r.json()));
    const statuses = responses.map((r) => r.status);
    assert.ok(statuses.every((s) => s === 201 || s === 409), `statuses: ${statuses}`);
    const originals = responses.filter((r) =>
      r.status === 201 && !r.headers.has("idempotent-replayed")
    );
    assert.equal(originals.length, 1);
    const created = bodies.filter((_, i) => statuses[i] === 201);
    for (const body of created) assert.deepEqual(body, created[0]);
    assert.equal(await count(t, "payouts"), 1);
    assert.equal(await count(t, "idempotency_keys"), 1);
    assert.equal((await t.redis.xrange(t.names.stream, "-", "+")).length, 1);
  } finally {
    await t.close();
  }
});

Deno.test("a retry replays the first response even after the payout moved on", async () => {
  const t = await createTestApp();
  try {
    const key = randomKey();
    const first = await post(t, key, BODY);
    assert.equal(first.status, 201);
    assert.equal(first.headers.get("idempotent-replayed"), null);
    const firstText = await first.text();
    const { id } = JSON.parse(firstText);
    await t.db.sql`
      update payouts set status = 'processing', version = version + 1 where id = ${id}
    `;

    // Same document, other key order and white space.
    const reordered = `{ "description": "invoice 7",\n "recipient_details": {"name": "Ada",
      "account": "DE89370400440532013000"}, "currency": "USD", "amount": "125.50" }`;
    const retry = await post(t, key, reordered);
    assert.equal(retry.status, 201);
    assert.equal(retry.headers.get("idempotent-replayed"), "true");
    assert.equal(await retry.text(), firstText);
    assert.equal(retry.headers.get("location"), first.headers.get("location"));
    assert.equal(retry.headers.get("etag"), first.headers.get("etag"));
    assert.equal(JSON.parse(firstText).status, "pending");

    const current = await t.request(`/api/payouts/${id}/`, { headers: t.headers });
    assert.equal((await current.json()).status, "processing");
    assert.equal(await count(t, "payouts"), 1);
    assert.equal((await t.redis.xrange(t.names.stream, "-", "+")).length, 1);
  } finally {
    await t.close();
  }
});

Deno.test("the same Idempotency-Key under another API key creates a second payout", async () => {
  const t = await createTestApp();
  try {
    const { key: otherApiKey } = await t.apiKeys.create(`other-${crypto.randomUUID().slice(0, 8)}`);
    const key = randomKey();
    const mine = await post(t, key, BODY);
    const theirs = await post(t, key, BODY, {
      ...t.headers,
      Authorization: `Bearer ${otherApiKey}`,
    });
    assert.equal(mine.status, 201);
    assert.equal(theirs.status, 201);
    assert.equal(theirs.headers.get("idempotent-replayed"), null);
    assert.notEqual((await mine.json()).id, (await theirs.json()).id);
    assert.equal(await count(t, "payouts"), 2);
  } finally {
    await t.close();
  }
});

Deno.test("a request rejected by validation is not recorded under its key", async () => {
  const t = await createTestApp();
  try {
    const key = randomKey();
    // One rejected by the schema, one by the currency's exponent (after the schema).
    const unknownField = await post(t, key, { ...BODY, colour: "red" });
    assert.equal(unknownField.status, 400);
    const tooPrecise = await post(t, key, { ...BODY, currency: "JPY", amount: "1000.0" });
    assert.equal(tooPrecise.status, 400);
    assert.equal(await count(t, "idempotency_keys"), 0);

    const valid = await post(t, key, BODY);
    assert.equal(valid.status, 201);
    assert.equal(valid.headers.get("idempotent-replayed"), null);
    assert.equal(await count(t, "payouts"), 1);
  } finally {
    await t.close();
  }
});

Deno.test("the same Idempotency-Key with a different body is a 422", async () => {
  const t = await createTestApp();
  try {
    const key = randomKey();
    assert.equal((await post(t, key, BODY)).status, 201);
    const changed = await post(t, key, { ...BODY, amount: "125.51" });
    assert.equal(changed.status, 422);
    assert.equal(changed.headers.get("content-type"), "application/problem+json");
    const problem = await changed.json();
    assert.equal(problem.status, 422);
    assert.equal(problem.type, "/problems/idempotency_key_reused");
    // A string and a number are different documents even when they mean the same amount.
    assert.equal((await post(t, key, { ...BODY, amount: 125.5 })).status, 422);
    assert.equal(await count(t, "payouts"), 1);
  } finally {
    await t.close();
  }
});

Deno.test("a retry while the first request still holds its key is a 409", async () => {
  const t = await createTestApp();
  try {
    const key = randomKey();
    const record = await t.apiKeys.verify(t.apiKey);
    assert.ok(record);
    const lockId = idempotencyLockId(record.id, key);
    // Hold the key's lock the way an uncommitted first request does.
    await t.db.sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${lockId}::bigint)`;
      const inFlight = await post(t, key, BODY);
      assert.equal(inFlight.status, 409);
      const problem = await inFlight.json();
      assert.equal(problem.type, "/problems/idempotency_key_in_flight");
    });
    assert.equal(await count(t, "payouts"), 0);
    assert.equal((await post(t, key, BODY)).status, 201);
  } finally {
    await t.close();
  }
});

Deno.test("an empty or malformed Idempotency-Key is a 400 naming the header", async () => {
  const t = await createTestApp();
  try {
    for (const key of ["", "x".repeat(256), "clé", "tab\there", "\x7f"]) {
      const response = await post(t, key, BODY);
      assert.equal(response.status, 400, JSON.stringify(key));
      const problem = await response.json();
      assert.deepEqual(problem.errors.map((e: { path: string }) => e.path), ["Idempotency-Key"]);
    }
    assert.equal(await count(t, "payouts"), 0);
    for (const key of ["x".repeat(255), "a b ~!", "7"]) {
      assert.equal((await post(t, key, BODY)).status, 201, key);
    }
  } finally {
    await t.close();
  }
});

Deno.test("records older than 24 hours are deleted by the chore and no longer replayed", async () => {
  const t = await createTestApp();
  try {
    const [old, fresh] = [randomKey(), randomKey()];
    assert.equal((await post(t, old, BODY)).status, 201);
    assert.equal((await post(t, fresh, BODY)).status, 201);
    await t.db.sql`
      update idempotency_keys set created_at = clock_timestamp() - interval '25 hours'
      where key = ${old}
    `;
    await t.db.sql`
      update idempotency_keys set created_at = clock_timestamp() - interval '23 hours'
      where key = ${fresh}
    `;
    // Expired before the chore ran: treated as absent, so a new body makes a new payout.
    const reused = await post(t, old, { ...BODY, amount: "1.00" });
    assert.equal(reused.status, 201);
    assert.equal(reused.headers.get("idempotent-replayed"), null);
    await t.db.sql`
      update idempotency_keys set created_at = clock_timestamp() - interval '25 hours'
      where key = ${old}
    `;

    assert.equal(await expireIdempotencyRecords(t.db.sql), 1);
    const left = await t.db.sql`select key from idempotency_keys`;
    assert.deepEqual(left.map((row) => row.key), [fresh]);
    assert.equal((await post(t, fresh, BODY)).headers.get("idempotent-replayed"), "true");
  } finally {
    await t.close();
  }
});
