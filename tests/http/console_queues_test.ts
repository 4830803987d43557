/**
 * The console's queue page and overview through app.request(), against real Postgres and
 * Redis: dead letters with their reasons and their requeueing, failing webhook deliveries
 * and their retry, and the overview's numbers, chart and live fragment.
 */
import assert from "node:assert/strict";
import { PAYOUT_ID_FIELD } from "../../src/queue/stream_names.ts";
import { type ConsoleTestApp, withConsoleApp } from "../helpers/console_app.ts";

/** A failed payout and its dead letter, as the worker leaves them. */
async function deadLetteredPayout(t: ConsoleTestApp, reason: string) {
  const creator = await t.createKey();
  const payout = await t.payouts.create({
    amount: "10.00",
    currency: "EUR",
    recipient_details: { account: "FAIL-1" },
  }, { name: "api:test", apiKeyId: creator.id });
  await t.db.sql`
    update payouts set status = 'failed', failure_reason = ${reason} where id = ${payout.id}
  `;
  const entryId = await t.redis.xadd(
    t.names.deadLetter,
    "*",
    PAYOUT_ID_FIELD,
    payout.id,
    "reason",
    reason,
    "entry_id",
    "1700000000000-0",
    "at",
    new Date().toISOString(),
  );
  return { payout, entryId: entryId! };
}

async function failingDelivery(t: ConsoleTestApp) {
  const [endpoint] = await t.db.sql<{ id: string }[]>`
    insert into webhook_endpoints (url, events, secret)
    values ('https://93.184.216.34/hooks', '{*}', 'whsec_dGVzdHRlc3R0ZXN0dGVzdA==')
    returning id
  `;
  const messageId = `msg_${crypto.randomUUID().replaceAll("-", "")}`;
  await t.db.sql`
    insert into webhook_messages (id, endpoint_id, event_type, data, status, attempt_count)
    values (${messageId}, ${endpoint.id}, 'payout.created', '{}', 'failed', 8)
  `;
  await t.db.sql`
    insert into webhook_attempts (message_id, status_code, duration_ms, worker)
    values (${messageId}, 503, 12, 'test-worker')
  `;
  return { endpointId: endpoint.id, messageId };
}

Deno.test("the queue page lists dead letters with their reason, and requeue puts one back", () =>
  withConsoleApp(async (t) => {
    const { payout, entryId } = await deadLetteredPayout(t, "provider refused: account closed");
    const operator = await t.createKey();
    const browser = await t.signedIn(operator.key);
    const html = await (await browser.fetch("/console/queues")).text();
    assert.match(html, /Dead letters \(1\)/);
    assert.match(html, /provider refused: account closed/);
    assert.ok(html.includes(`/console/queues/dead-letters/${entryId}/requeue`));
    const response = await browser.post(`/console/queues/dead-letters/${entryId}/requeue`);
    assert.equal(response.status, 303);
    assert.equal(response.headers.get("location"), "/console/queues?notice=requeued&n=1&skipped=0");
    assert.equal(await t.redis.xlen(t.names.deadLetter), 0);
    const jobs = await t.redis.xrange(t.names.stream, "-", "+");
    assert.ok(jobs.some(([, fields]) => fields.includes(payout.id)), "the job is back");
    const [row] = await t.db.sql<{ status: string }[]>`
      select status from payouts where id = ${payout.id}
    `;
    assert.equal(row.status, "pending");
    const after = await (await browser.fetch("/console/queues?notice=requeued&n=1&skipped=0"))
      .text();
    assert.match(after, /Requeued 1 dead letter\./);
    const bogus = await browser.post("/console/queues/dead-letters/not-an-id/requeue");
    assert.equal(bogus.headers.get("location"), "/console/queues?notice=requeued&n=0&skipped=0");
  }));

Deno.test("requeue all puts every failed payout's dead letter back and leaves the others", () =>
  withConsoleApp(async (t) => {
    await deadLetteredPayout(t, "first");
    await deadLetteredPayout(t, "second");
    const done = await deadLetteredPayout(t, "third");
    await t.db.sql`
      update payouts set status = 'completed', failure_reason = null where id = ${done.payout.id}
    `;
    const operator = await t.createKey();
    const browser = await t.signedIn(operator.key);
    const response = await browser.post("/console/queues/requeue-dead-letters");
    assert.equal(response.headers.get("location"), "/console/queues?notice=requeued&n=2&skipped=1");
    assert.equal(await t.redis.xlen(t.names.deadLetter), 1);
  }));

Deno.test("failing webhook deliveries are listed, and retry makes one due again", () =>
  withConsoleApp(async (t) => {
    const { endpointId, messageId } = await failingDelivery(t);
    const operator = await t.createKey();
    const browser = await t.signedIn(operator.key);
    const html = await (await browser.fetch("/console/queues")).text();
    assert.ok(html.includes(messageId));
    assert.match(html, /https:\/\/93\.184\.216\.34\/hooks/);
    assert.match(html, /: 503/);
    const response = await browser.post(
      `/console/queues/webhook-deliveries/${endpointId}/${messageId}/retry`,
    );
    assert.equal(response.status, 303);
    assert.equal(response.headers.get("location"), "/console/queues?notice=retried");
    const [row] = await t.db.sql<{ status: string; due: boolean }[]>`
      select status, next_attempt_at <= clock_timestamp() as due
      from webhook_messages where id = ${messageId}
    `;
    assert.deepEqual({ ...row }, { status: "pending", due: true });
    const unknown = await browser.post(
      `/console/queues/webhook-deliveries/${endpointId}/msg_${"0".repeat(32)}/retry`,
    );
    assert.equal(unknown.status, 404);
    await unknown.body?.cancel();
  }));

Deno.test("without webhooks:read the deliveries are hidden; without webhooks:write retry is a 403", () =>
  withConsoleApp(async (t) => {
    const { endpointId, messageId } = await failingDelivery(t);
    const noWebhooks = await t.createKey(["console", "payouts:read"]);
    const hidden = await t.signedIn(noWebhooks.key);
    const html = await (await hidden.fetch("/console/queues")).text();
    assert.ok(!html.includes(messageId));
    assert.match(html, /needs the webhooks:read scope/);
    const reader = await t.createKey(["console", "payouts:read", "webhooks:read"]);
    const browser = await t.signedIn(reader.key);
    const page = await (await browser.fetch("/console/queues")).text();
    assert.ok(page.includes(messageId) && !page.includes("/retry"));
    const refused = await browser.post(
      `/console/queues/webhook-deliveries/${endpointId}/${messageId}/retry`,
    );
    assert.equal(refused.status, 403);
    await refused.body?.cancel();
  }));

Deno.test("the overview shows payouts by status, the queue numbers and a chart, and its fragment polls", () =>
  withConsoleApp(async (t) => {
    await deadLetteredPayout(t, "gave up");
    const operator = await t.createKey();
    await t.payouts.create({
      amount: "5.00",
      currency: "USD",
      recipient_details: { account: "OK-1" },
    }, { name: "api:test", apiKeyId: operator.id });
    const browser = await t.signedIn(operator.key);
    const page = await (await browser.fetch("/console/")).text();
    assert.match(page, /<dt>pending<\/dt><dd>1<\/dd>/);
    assert.match(page, /<dt>failed<\/dt><dd>1<\/dd>/);
    assert.match(page, /<dt>dead letters<\/dt><dd>1<\/dd>/);
    assert.match(page, /<dt>outbox backlog<\/dt><dd>[0-9]/);
    assert.match(page, /<svg viewBox="0 0 600 180" role="img"/);
    assert.match(page, /2 payouts were created and 0 completed/);
    const fragment = await browser.fetch("/console/fragments/overview", {
      headers: { "HX-Request": "true" },
    });
    assert.equal(fragment.status, 200);
    const html = await fragment.text();
    assert.ok(html.startsWith('<div id="overview"'), "a fragment, not a document");
    assert.match(html, /hx-trigger="every 5s"/);
    assert.doesNotMatch(html, /<html/);
  }));

Deno.test("the overview still answers while Redis is unreachable, saying which numbers are missing", () =>
  withConsoleApp(async (t) => {
    const operator = await t.createKey();
    const browser = await t.signedIn(operator.key);
    t.redis.disconnect();
    const response = await browser.fetch("/console/fragments/overview");
    assert.equal(response.status, 200);
    assert.match(await response.text(), /Redis did not answer/);
  }));
