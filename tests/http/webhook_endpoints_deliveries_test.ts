import assert from "node:assert/strict";
import { createTestApp, type TestApp } from "../helpers/app.ts";
import { assertFieldError, assertProblem, createPayout } from "./payout_fixtures.ts";
import { call, createEndpoint, expectJson, messagesOf } from "./webhook_endpoint_fixtures.ts";

type Delivery = {
  id: string;
  event_type: string;
  payout_id: string | null;
  status: string;
  attempts: { at: string; status_code: number | null; duration_ms: number; error: string | null }[];
  next_attempt_at: string | null;
  created_at: string;
  delivered_at: string | null;
};
type Page = { results: Delivery[]; next_cursor: string | null };

const MESSAGE_ID = /^msg_[0-9a-f]{32}$/;

async function deliveries(t: TestApp, endpointId: string, query = ""): Promise<Page> {
  const path = `/api/webhook-endpoints/${endpointId}/deliveries/${query}`;
  return await expectJson<Page>(await call(t, "GET", path), 200);
}

/** Records an attempt as the worker would. */
async function addAttempt(
  t: TestApp,
  messageId: string,
  attempt: { status_code: number | null; duration_ms: number; error: string | null },
) {
  await t.db.sql`
    insert into webhook_attempts (message_id, status_code, duration_ms, error, worker)
    values (${messageId}, ${attempt.status_code}, ${attempt.duration_ms}, ${attempt.error}, 'w1')
  `;
}

Deno.test("POST test queues a webhook.test message and answers it as the delivery log shows it", async () => {
  const t = await createTestApp();
  try {
    const endpoint = await createEndpoint(t, { events: ["payout.completed"] });
    const response = await call(t, "POST", `/api/webhook-endpoints/${endpoint.id}/test/`);
    assert.equal(response.headers.get("location"), null);
    const delivery = await expectJson<Delivery>(response, 202);
    assert.match(delivery.id, MESSAGE_ID);
    assert.equal(delivery.event_type, "webhook.test");
    assert.equal(delivery.payout_id, null);
    assert.equal(delivery.status, "pending");
    assert.deepEqual(delivery.attempts, []);
    assert.equal(typeof delivery.next_attempt_at, "string");
    assert.equal(delivery.delivered_at, null);

    const [row] = await t.db.sql`
      select endpoint_id, event_type, payout_id, data, status from webhook_messages
      where id = ${delivery.id}
    `;
    assert.equal(row.endpoint_id, endpoint.id);
    assert.equal(row.event_type, "webhook.test");
    assert.equal(row.payout_id, null);
    assert.equal(row.status, "pending");
    assert.deepEqual(Object.keys(row.data).sort(), ["endpoint_id", "message"]);
    assert.equal(row.data.endpoint_id, endpoint.id);
    assert.equal(typeof row.data.message, "string");

    assert.deepEqual((await deliveries(t, endpoint.id)).results, [delivery]);
    const again = await call(t, "POST", `/api/v1/webhook-endpoints/${endpoint.id}` + "/test", "{}");
    assert.notEqual(
      (await expectJson<Delivery>(again, 202)).id,
      delivery.id,
      "a new message each time",
    );
  } finally {
    await t.close();
  }
});

Deno.test("POST test is a 409 for a disabled endpoint and a 404 for an unknown one", async () => {
  const t = await createTestApp();
  try {
    const endpoint = await createEndpoint(t);
    const path = `/api/webhook-endpoints/${endpoint.id}/`;
    assert.equal((await call(t, "PATCH", path, { status: "disabled" })).status, 200);
    const problem = await assertProblem(await call(t, "POST", `${path}test/`), 409);
    assert.match(problem.type, /webhook_endpoint_disabled/);
    assert.deepEqual(await messagesOf(t, endpoint.id), [], "nothing is queued");
    await assertProblem(
      await call(t, "POST", `/api/webhook-endpoints/${crypto.randomUUID()}/test/`),
      404,
    );
    await assertFieldError(await call(t, "POST", `${path}test/`, { message: "hi" }), "message");
  } finally {
    await t.close();
  }
});

Deno.test("GET deliveries lists messages newest first, each with its attempts oldest first", async () => {
  const t = await createTestApp();
  try {
    const endpoint = await createEndpoint(t, { events: ["*"] });
    const other = await createEndpoint(t, { events: ["*"] });
    const { payout } = await createPayout(t);
    const test = await expectJson<Delivery>(
      await call(t, "POST", `/api/webhook-endpoints/${endpoint.id}/test/`),
      202,
    );
    const [created] = await messagesOf(t, endpoint.id);
    assert.equal(created.event_type, "payout.created");

    await addAttempt(t, created.id, { status_code: 503, duration_ms: 120, error: "HTTP 503" });
    await addAttempt(t, created.id, { status_code: null, duration_ms: 10000, error: "timeout" });
    await addAttempt(t, created.id, { status_code: 204, duration_ms: 35, error: null });
    await t.db.sql`
      update webhook_messages set status = 'delivered', delivered_at = clock_timestamp(),
        attempt_count = 3
      where id = ${created.id}
    `;
    const page = await deliveries(t, endpoint.id);
    assert.equal(page.next_cursor, null);
    assert.deepEqual(page.results.map((d) => d.id), [test.id, created.id]);
    const [, delivered] = page.results;
    assert.deepEqual(Object.keys(delivered), [
      "id",
      "event_type",
      "payout_id",
      "status",
      "attempts",
      "next_attempt_at",
      "created_at",
      "delivered_at",
    ]);
    assert.equal(delivered.payout_id, payout.id);
    assert.equal(delivered.status, "delivered");
    assert.equal(delivered.next_attempt_at, null, "null unless pending");
    assert.equal(typeof delivered.delivered_at, "string");
    assert.deepEqual(
      delivered.attempts.map(({ at: _, ...rest }) => rest),
      [
        { status_code: 503, duration_ms: 120, error: "HTTP 503" },
        { status_code: null, duration_ms: 10000, error: "timeout" },
        { status_code: 204, duration_ms: 35, error: null },
      ],
    );
    const stamps = delivered.attempts.map((a) => a.at);
    assert.ok(stamps.every((at) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(at)));
    assert.deepEqual(stamps, stamps.toSorted(), "oldest first");

    const others = await deliveries(t, other.id);
    assert.deepEqual(others.results.map((d) => d.event_type), ["payout.created"]);
    assert.deepEqual(others.results[0].attempts, [], "attempts of one endpoint only");
  } finally {
    await t.close();
  }
});

Deno.test("GET deliveries filters by status and walks its pages with the cursor", async () => {
  const t = await createTestApp();
  try {
    const endpoint = await createEndpoint(t);
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const response = await call(t, "POST", `/api/webhook-endpoints/${endpoint.id}/test/`);
      ids.push((await expectJson<Delivery>(response, 202)).id);
    }
    await t.db.sql`update webhook_messages set status = 'failed' where id = ${ids[1]}`;
    await t.db.sql`
      update webhook_messages set status = 'delivered', delivered_at = now() where id = ${ids[2]}
    `;
    assert.deepEqual(
      (await deliveries(t, endpoint.id, "?status=failed")).results.map((d) => d.id),
      [
        ids[1],
      ],
    );
    assert.deepEqual(
      (await deliveries(t, endpoint.id, "?status=delivered")).results.map((d) => d.id),
      [ids[2]],
    );
    const pending = await deliveries(t, endpoint.id, "?status=pending");
    assert.equal(pending.results.length, 5);
    assert.ok(pending.results.every((d) => d.next_attempt_at !== null));

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Page = await deliveries(
        t,
        endpoint.id,
        `?limit=3${cursor ? `&cursor=${cursor}` : ""}`,
      );
      seen.push(...page.results.map((d) => d.id));
      cursor = page.next_cursor;
      pages++;
      await call(t, "POST", `/api/webhook-endpoints/${endpoint.id}/test/`).then((r) =>
        r.body?.cancel()
      );
    } while (cursor && pages < 10);
    assert.deepEqual(seen, ids.toReversed(), "every message once, newest first");
    assert.equal(pages, 3);
  } finally {
    await t.close();
  }
});

Deno.test("GET deliveries rejects bad query parameters with a 400 and unknown endpoints with a 404", async (ctx) => {
  const t = await createTestApp();
  try {
    const endpoint = await createEndpoint(t);
    const path = `/api/webhook-endpoints/${endpoint.id}/deliveries/`;
    const cases: [string, string][] = [
      ["status=done", "status"],
      ["status=PENDING", "status"],
      ["status=", "status"],
      ["limit=0", "limit"],
      ["limit=101", "limit"],
      ["limit=x", "limit"],
      ["cursor=abc", "cursor"],
      [`cursor=${btoa(`e1.1.${crypto.randomUUID()}`)}`, "cursor"],
      ["event_type=payout.created", "event_type"],
    ];
    for (const [query, field] of cases) {
      await ctx.step(query.slice(0, 40), async () => {
        await assertFieldError(await call(t, "GET", `${path}?${query}`), field);
      });
    }
    await assertProblem(
      await call(t, "GET", `/api/webhook-endpoints/${crypto.randomUUID()}/deliveries/`),
      404,
    );
    await assertProblem(await call(t, "GET", `/api/webhook-endpoints/nope/deliveries`), 404);
    await assertProblem(
      await call(t, "GET", `/api/webhook-endpoints/${crypto.randomUUID()}/deliveries/?status=x`),
      400,
    );
  } finally {
    await t.close();
  }
});

Deno.test("POST retry makes a failed message pending and due now, leaving its lease alone", async () => {
  const t = await createTestApp();
  try {
    const endpoint = await createEndpoint(t);
    const test = await expectJson<Delivery>(
      await call(t, "POST", `/api/webhook-endpoints/${endpoint.id}/test/`),
      202,
    );
    await addAttempt(t, test.id, { status_code: 500, duration_ms: 50, error: "HTTP 500" });
    await t.db.sql`
      update webhook_messages set status = 'failed', attempt_count = 8,
        next_attempt_at = now() + interval '1 day',
        lease_owner = 'worker-a', lease_until = now() + interval '30 seconds'
      where id = ${test.id}
    `;
    const [before] = await t.db.sql`select lease_until from webhook_messages where id = ${test.id}`;
    const path = `/api/webhook-endpoints/${endpoint.id}/deliveries/${test.id}/retry/`;
    const retried = await expectJson<Delivery>(await call(t, "POST", path), 202);
    assert.equal(retried.id, test.id);
    assert.equal(retried.status, "pending");
    assert.equal(retried.attempts.length, 1, "its attempts so far");
    const [row] = await t.db.sql`
      select status, next_attempt_at <= clock_timestamp() as due, lease_owner, lease_until,
        attempt_count
      from webhook_messages where id = ${test.id}
    `;
    assert.equal(row.status, "pending");
    assert.equal(row.due, true);
    assert.equal(row.lease_owner, "worker-a", "a delivery in flight is not taken from its worker");
    assert.deepEqual(row.lease_until, before.lease_until);
    assert.equal(row.attempt_count, 8);

    const v1 = `/api/v1/webhook-endpoints/${endpoint.id}/deliveries/${test.id}/retry`;
    assert.equal((await call(t, "POST", v1, "{}")).status, 202);
  } finally {
    await t.close();
  }
});

Deno.test("POST retry is a 404 for an unknown message or another endpoint's, 409 when disabled", async () => {
  const t = await createTestApp();
  try {
    const endpoint = await createEndpoint(t);
    const other = await createEndpoint(t);
    const theirs = await expectJson<Delivery>(
      await call(t, "POST", `/api/webhook-endpoints/${other.id}/test/`),
      202,
    );
    const mine = await expectJson<Delivery>(
      await call(t, "POST", `/api/webhook-endpoints/${endpoint.id}/test/`),
      202,
    );
    const retry = (endpointId: string, messageId: string) =>
      call(t, "POST", `/api/webhook-endpoints/${endpointId}/deliveries/${messageId}/retry/`);
    for (const messageId of [theirs.id, `msg_${"0".repeat(32)}`, "nope", "%00"]) {
      const problem = await assertProblem(await retry(endpoint.id, messageId), 404);
      assert.match(problem.detail, /message/);
    }
    await assertProblem(await retry(crypto.randomUUID(), mine.id), 404);

    await t.db.sql`update webhook_messages set status = 'failed' where id = ${mine.id}`;
    assert.equal(
      (await call(t, "PATCH", `/api/webhook-endpoints/${endpoint.id}/`, { status: "disabled" }))
        .status,
      200,
    );
    await assertProblem(await retry(endpoint.id, mine.id), 409);
    await assertProblem(await retry(endpoint.id, theirs.id), 404);
    const [row] = await t.db.sql`select status from webhook_messages where id = ${mine.id}`;
    assert.equal(row.status, "failed", "a refused retry changes nothing");
  } finally {
    await t.close();
  }
});
