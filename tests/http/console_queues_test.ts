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

/** Records, as the worker does, that the payout failed with a permanent provider error. */
async function failedPermanently(t: ConsoleTestApp, payoutId: string) {
  await t.db.sql`
    insert into payout_events (payout_id, type, from_status, to_status, actor, detail)
    values (${payoutId}, 'status_changed', 'processing', 'failed', 'worker:test',
      ${t.db.sql.json({ provider_outcome: "permanent_error", connector: "simulated" })})
  `;
}

/** Who the payout's latest failed → pending event names. */
async function requeuedBy(t: ConsoleTestApp, payoutId: string): Promise<string | undefined> {
  const [event] = await t.db.sql<{ actor: string }[]>`
    select actor from payout_events
    where payout_id = ${payoutId} and from_status = 'failed' and to_status = 'pending'
    order by id desc limit 1
  `;
  return event?.actor;
}

async function failingDelivery(
  t: ConsoleTestApp,
  state: { status: "failed" | "pending"; attempts: number; nextAttemptAt?: Date } = {
    status: "failed",
    attempts: 8,
  },
) {
  const [endpoint] = await t.db.sql<{ id: string }[]>`
    insert into webhook_endpoints (url, events, secret)
    values ('https://93.184.216.34/hooks', '{*}', 'whsec_dGVzdHRlc3R0ZXN0dGVzdA==')
    returning id
  `;
  const messageId = `msg_${crypto.randomUUID().replaceAll("-", "")}`;
  await t.db.sql`
    insert into webhook_messages
      (id, endpoint_id, event_type, data, status, attempt_count, next_attempt_at)
    values (${messageId}, ${endpoint.id}, 'payout.created', '{}', ${state.status},
      ${state.attempts}, ${state.nextAttemptAt ?? new Date()})
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
    assert.equal(await requeuedBy(t, payout.id), `console:${operator.name}`);
    const after = await (await browser.fetch("/console/queues?notice=requeued&n=1&skipped=0"))
      .text();
    assert.match(after, /Requeued 1 dead letter\./);
    const bogus = await browser.post("/console/queues/dead-letters/not-an-id/requeue");
    assert.equal(bogus.headers.get("location"), "/console/queues?notice=requeued&n=0&skipped=0");
  }));

Deno.test("a failed payout's page links to its dead letter and requeues it there, back to the payout", () =>
  withConsoleApp(async (t) => {
    await deadLetteredPayout(t, "another payout's failure");
    const { payout, entryId } = await deadLetteredPayout(t, "provider: account closed");
    const operator = await t.createKey();
    const browser = await t.signedIn(operator.key);
    const page = await (await browser.fetch(`/console/payouts/${payout.id}`)).text();
    assert.ok(page.includes(`href="/console/queues#dead-letter-${entryId}"`), "links its entry");
    assert.ok(page.includes(`action="/console/queues/dead-letters/${entryId}/requeue"`));
    assert.match(page, /name="return_to" value="payout"/);
    const queues = await (await browser.fetch("/console/queues")).text();
    assert.ok(queues.includes(`id="dead-letter-${entryId}"`), "the link's target exists");
    const response = await browser.post(`/console/queues/dead-letters/${entryId}/requeue`, {
      return_to: "payout",
    });
    assert.equal(
      response.headers.get("location"),
      `/console/payouts/${payout.id}?notice=requeued&n=1&skipped=0`,
    );
    assert.equal(await requeuedBy(t, payout.id), `console:${operator.name}`);
    const after = await (await browser.fetch(`/console/payouts/${payout.id}?notice=requeued&n=1`))
      .text();
    assert.match(after, /Requeued 1 dead letter\./);
  }));

Deno.test("requeue all asks first, then puts every failed payout's dead letter back and leaves the others", () =>
  withConsoleApp(async (t) => {
    const first = await deadLetteredPayout(t, "first");
    await deadLetteredPayout(t, "second");
    const done = await deadLetteredPayout(t, "third");
    await t.db.sql`
      update payouts set status = 'completed', failure_reason = null where id = ${done.payout.id}
    `;
    const operator = await t.createKey();
    const browser = await t.signedIn(operator.key);
    const page = await (await browser.fetch("/console/queues")).text();
    assert.match(page, /hx-confirm="Requeue all 3 dead letters\?/);
    const asked = await browser.post("/console/queues/requeue-dead-letters");
    assert.equal(asked.status, 200);
    assert.match(await asked.text(), /Requeue all 3 dead letters\? Each failed payout goes back/);
    assert.equal(await t.redis.xlen(t.names.deadLetter), 3, "nothing moved before confirming");
    const response = await browser.post("/console/queues/requeue-dead-letters", {
      confirmed: "yes",
    });
    assert.equal(response.headers.get("location"), "/console/queues?notice=requeued&n=2&skipped=1");
    assert.equal(await t.redis.xlen(t.names.deadLetter), 1);
    assert.equal(await requeuedBy(t, first.payout.id), `console:${operator.name}`);
  }));

Deno.test("a dead letter whose payout failed for good is flagged, and its requeue asks first", () =>
  withConsoleApp(async (t) => {
    const { payout, entryId } = await deadLetteredPayout(t, "recipient account rejected");
    await failedPermanently(t, payout.id);
    const transient = await deadLetteredPayout(t, "timeout (gave up after 5 attempts)");
    const operator = await t.createKey();
    const browser = await t.signedIn(operator.key);
    const page = await (await browser.fetch("/console/queues")).text();
    assert.equal(
      page.match(/permanent provider error: a requeue will most likely fail/g)?.length,
      1,
    );
    assert.match(page, /hx-confirm="The payout failed with a permanent provider error \(recipient/);
    assert.match(page, /1 of the newest 2 failed with a permanent provider error/);
    const asked = await browser.post(`/console/queues/dead-letters/${entryId}/requeue`);
    assert.equal(asked.status, 200);
    assert.match(await asked.text(), /Requeue it anyway\?/);
    assert.equal(await t.redis.xlen(t.names.deadLetter), 2, "not requeued before confirming");
    const plain = await browser.post(`/console/queues/dead-letters/${transient.entryId}/requeue`);
    assert.equal(plain.status, 303, "a transient failure is requeued at once");
    const confirmed = await browser.post(`/console/queues/dead-letters/${entryId}/requeue`, {
      confirmed: "yes",
    });
    assert.equal(
      confirmed.headers.get("location"),
      "/console/queues?notice=requeued&n=1&skipped=0",
    );
    assert.equal(await t.redis.xlen(t.names.deadLetter), 0);
  }));

Deno.test("the queue page shows the stream, pending, lag and outbox figures", () =>
  withConsoleApp(async (t) => {
    await t.redis.xgroup("CREATE", t.names.stream, t.names.group, "0", "MKSTREAM");
    for (let i = 0; i < 3; i++) {
      await t.redis.xadd(t.names.stream, "*", PAYOUT_ID_FIELD, crypto.randomUUID());
    }
    // One delivered and not acknowledged: pending 1, lag 2.
    await t.redis.xreadgroup(
      "GROUP",
      t.names.group,
      "test-worker",
      "COUNT",
      1,
      "STREAMS",
      t.names.stream,
      ">",
    );
    const operator = await t.createKey();
    const browser = await t.signedIn(operator.key);
    const html = await (await browser.fetch("/console/queues")).text();
    assert.match(html, /<dt>stream length<\/dt><dd>3<\/dd>/);
    assert.match(html, /<dt>pending \(delivered, not acked\)<\/dt><dd>1<\/dd>/);
    assert.match(html, /<dt>lag \(not yet delivered\)<\/dt><dd>2<\/dd>/);
    assert.match(html, /<dt>dead letters<\/dt><dd>0<\/dd>/);
    assert.match(html, /<dt>outbox backlog<\/dt><dd>[0-9]/);
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

Deno.test("failing deliveries say retrying (with the next attempt) or failed, with their attempts counted right", () =>
  withConsoleApp(async (t) => {
    const next = new Date(Date.UTC(2031, 0, 7, 10, 15, 2));
    const retrying = await failingDelivery(t, {
      status: "pending",
      attempts: 1,
      nextAttemptAt: next,
    });
    const failed = await failingDelivery(t);
    const operator = await t.createKey();
    const browser = await t.signedIn(operator.key);
    const html = await (await browser.fetch("/console/queues")).text();
    const rowOf = (messageId: string) => {
      const start = html.indexOf(`<span class="mono">${messageId}</span>`);
      return html.slice(start, html.indexOf("</tr>", start));
    };
    const first = rowOf(retrying.messageId);
    assert.match(first, /class="badge status-retrying">retrying</);
    assert.match(first, />1 attempt</);
    assert.match(first, /2031-01-07 10:15:02 UTC/);
    const second = rowOf(failed.messageId);
    assert.match(second, /class="badge status-failed">failed</);
    assert.match(second, />8 attempts</);
    assert.match(second, /none: given up/);
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
