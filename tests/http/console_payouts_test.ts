/**
 * The console's payout pages and actions through app.request(): filters, the detail page
 * with its timeline, cancel, approve under the four-eyes rule, reject; refusals are plain
 * pages, and an internal error shows only the request id.
 */
import assert from "node:assert/strict";
import {
  type ConsoleBrowser,
  type ConsoleTestApp,
  withConsoleApp,
} from "../helpers/console_app.ts";

async function createPayout(
  t: ConsoleTestApp,
  creator: { id: string; name: string },
  fields: { currency?: string; account?: string; requiresApproval?: boolean } = {},
) {
  return await t.payouts.create({
    amount: "125.50",
    currency: fields.currency ?? "EUR",
    recipient_details: { account: fields.account ?? `ACC-${crypto.randomUUID().slice(0, 8)}` },
    requires_approval: fields.requiresApproval ?? false,
  }, { name: `api:${creator.name}`, apiKeyId: creator.id });
}

/** The field a confirmed destructive action carries. */
const CONFIRMED = { confirmed: "yes" };

/** A payout awaiting approval, the key that created it and another key that may approve it. */
async function awaitingApproval(t: ConsoleTestApp) {
  const creator = await t.createKey();
  const approver = await t.createKey();
  const payout = await createPayout(t, creator, { requiresApproval: true });
  return { creator, approver, payout };
}

/** The payout's page as `browser` sees it. */
async function pageOf(browser: ConsoleBrowser, id: string): Promise<string> {
  return await (await browser.fetch(`/console/payouts/${id}`)).text();
}

/** Who the payout's event of this type names. */
async function actorOf(t: ConsoleTestApp, id: string, type: string): Promise<string> {
  const [event] = await t.db.sql<{ actor: string }[]>`
    select actor from payout_events where payout_id = ${id} and type = ${type}
  `;
  return event.actor;
}

async function statusOf(t: ConsoleTestApp, id: string): Promise<string> {
  const [row] = await t.db.sql<{ status: string }[]>`select status from payouts where id = ${id}`;
  return row.status;
}

Deno.test("the payout list filters by status, currency and creation date", () =>
  withConsoleApp(async (t) => {
    const operator = await t.createKey();
    const eur = await createPayout(t, operator, { currency: "EUR" });
    const usd = await createPayout(t, operator, { currency: "USD" });
    const held = await createPayout(t, operator, { requiresApproval: true });
    const browser = await t.signedIn(operator.key);
    const list = async (query: string) => {
      const response = await browser.fetch(`/console/payouts${query}`);
      assert.equal(response.status, 200, query);
      return await response.text();
    };
    const all = await list("");
    for (const payout of [eur, usd, held]) assert.ok(all.includes(payout.id));
    const dollars = await list("?currency=usd");
    assert.ok(dollars.includes(usd.id) && !dollars.includes(eur.id));
    assert.match(dollars, /125\.50 USD/);
    const waiting = await list("?status=needs_approval");
    assert.ok(waiting.includes(held.id) && !waiting.includes(eur.id));
    const today = new Date().toISOString().slice(0, 10);
    const dated = await list(`?from=${today}&to=${today}`);
    assert.ok(dated.includes(eur.id));
    assert.ok(!(await list("?from=2001-01-01&to=2001-01-02")).includes(eur.id));
    const bad = await browser.fetch("/console/payouts?status=lost&from=2025-02-30");
    assert.equal(bad.status, 400);
    const html = await bad.text();
    assert.match(html, /status is not a payout status/);
    assert.match(html, /from is not a date/);
  }));

Deno.test("a refused filter shows back what was typed and says that dates are UTC days", () =>
  withConsoleApp(async (t) => {
    const operator = await t.createKey();
    const browser = await t.signedIn(operator.key);
    const plain = await (await browser.fetch("/console/payouts")).text();
    assert.match(plain, /Dates are whole UTC days/);
    assert.match(plain, /id="from" name="from" type="date"[^>]*aria-describedby="date-hint"/);
    const bad = await browser.fetch("/console/payouts?status=lost&currency=xx&from=2025-02-30");
    assert.equal(bad.status, 400);
    const html = await bad.text();
    // Not a date input: the browser would show an impossible day as an empty field.
    assert.match(html, /id="from" name="from" type="text" value="2025-02-30"/);
    assert.match(html, /<option value="lost" selected>lost<\/option>/);
    assert.match(html, /id="currency" name="currency" value="xx"[^>]*aria-invalid="true"/);
    const id = await browser.fetch("/console/payouts?id=not-an-id");
    assert.equal(id.status, 400);
    assert.match(await id.text(), /id="open-id" name="id" value="not-an-id"/);
  }));

Deno.test("opening a payout by id goes to its page, with its fields and event timeline", () =>
  withConsoleApp(async (t) => {
    const operator = await t.createKey();
    const payout = await createPayout(t, operator, { account: "DE-TIMELINE-1" });
    const browser = await t.signedIn(operator.key);
    const found = await browser.fetch(`/console/payouts?id=${payout.id.toUpperCase()}`);
    assert.equal(found.status, 303);
    assert.equal(found.headers.get("location"), `/console/payouts/${payout.id}`);
    const page = await browser.fetch(`/console/payouts/${payout.id}`);
    const html = await page.text();
    assert.equal(page.status, 200);
    assert.match(html, /DE-TIMELINE-1/);
    assert.match(html, /125\.50 EUR/);
    assert.match(html, /<strong>created<\/strong>/);
    assert.ok(html.includes(`by api:${operator.name}`));
    assert.equal((await browser.fetch("/console/payouts?id=nope")).status, 400);
    const unknown = await browser.fetch(`/console/payouts/${crypto.randomUUID()}`);
    assert.equal(unknown.status, 404);
    assert.match(await unknown.text(), /No payout with this id/);
  }));

Deno.test("cancel asks first, then sets a pending payout to canceled with the console actor; after that it is gone (404)", () =>
  withConsoleApp(async (t) => {
    const operator = await t.createKey();
    const payout = await createPayout(t, operator);
    const browser = await t.signedIn(operator.key);
    const page = await pageOf(browser, payout.id);
    assert.match(page, /hx-confirm="Cancel the payout of 125\.50 EUR\?/);
    assert.ok(page.includes(`hx-post="/console/payouts/${payout.id}/cancel"`));
    // Without script the form posts plainly: the answer asks, and nothing changes yet.
    const asked = await browser.post(`/console/payouts/${payout.id}/cancel`);
    assert.equal(asked.status, 200);
    const question = await asked.text();
    assert.match(question, /Cancel the payout of 125\.50 EUR\? It will never be paid/);
    assert.match(question, /<input type="hidden" name="confirmed" value="yes">/);
    assert.match(question, /Yes, cancel it/);
    assert.equal(await statusOf(t, payout.id), "pending");
    const response = await browser.post(`/console/payouts/${payout.id}/cancel`, CONFIRMED);
    assert.equal(response.status, 303);
    assert.equal(response.headers.get("location"), "/console/payouts?notice=canceled");
    assert.equal(await statusOf(t, payout.id), "canceled");
    assert.equal(await actorOf(t, payout.id, "canceled"), `console:${operator.name}`);
    const notice = await browser.fetch("/console/payouts?notice=canceled");
    assert.match(await notice.text(), /The payout was canceled/);
    const again = await browser.post(`/console/payouts/${payout.id}/cancel`, CONFIRMED);
    assert.equal(again.status, 404, "a canceled payout is gone, as in the API");
    await again.body?.cancel();
  }));

Deno.test("a confirmed cancel sent by htmx answers HX-Redirect, so the browser navigates", () =>
  withConsoleApp(async (t) => {
    const operator = await t.createKey();
    const payout = await createPayout(t, operator);
    const browser = await t.signedIn(operator.key);
    const response = await browser.post(`/console/payouts/${payout.id}/cancel`, CONFIRMED, {
      "HX-Request": "true",
    });
    assert.equal(response.status, 204);
    assert.equal(response.headers.get("hx-redirect"), "/console/payouts?notice=canceled");
    assert.equal(await statusOf(t, payout.id), "canceled");
  }));

Deno.test("approve needs another key than the creator's (four eyes) and moves the payout to pending", () =>
  withConsoleApp(async (t) => {
    const { creator, approver, payout } = await awaitingApproval(t);

    const own = await t.signedIn(creator.key);
    const ownPage = await pageOf(own, payout.id);
    assert.ok(
      !ownPage.includes(`/payouts/${payout.id}/approve`),
      "no approve button for the creator",
    );
    assert.match(ownPage, /another key must approve it/);
    const refused = await own.post(`/console/payouts/${payout.id}/approve`);
    assert.equal(refused.status, 403);
    assert.match(await refused.text(), /cannot be approved with the key that created/);
    assert.equal(await statusOf(t, payout.id), "needs_approval");

    const other = await t.signedIn(approver.key);
    const page = await pageOf(other, payout.id);
    assert.ok(page.includes(`/payouts/${payout.id}/approve`), "the approve button is there");
    const approved = await other.post(`/console/payouts/${payout.id}/approve`);
    assert.equal(approved.status, 303);
    assert.equal(approved.headers.get("location"), `/console/payouts/${payout.id}?notice=approved`);
    assert.equal(await statusOf(t, payout.id), "pending");
    assert.equal(await actorOf(t, payout.id, "approved"), `console:${approver.name}`);
    const twice = await other.post(`/console/payouts/${payout.id}/approve`);
    assert.equal(twice.status, 409);
    assert.match(await twice.text(), /only payouts in needs_approval/);
  }));

Deno.test("without payouts:approve there is no approve button and the action is a 403", () =>
  withConsoleApp(async (t) => {
    const creator = await t.createKey();
    const reader = await t.createKey(["console", "payouts:read", "payouts:write"]);
    const payout = await createPayout(t, creator, { requiresApproval: true });
    const browser = await t.signedIn(reader.key);
    const page = await pageOf(browser, payout.id);
    assert.ok(!page.includes("/approve"));
    assert.match(page, /Approving needs a key with the payouts:approve scope/);
    const refused = await browser.post(`/console/payouts/${payout.id}/approve`);
    assert.equal(refused.status, 403);
    await refused.body?.cancel();
    assert.equal(await statusOf(t, payout.id), "needs_approval");
  }));

Deno.test("reject asks first, keeping the reason, then ends a payout awaiting approval with it", () =>
  withConsoleApp(async (t) => {
    const { approver, payout } = await awaitingApproval(t);
    const browser = await t.signedIn(approver.key);
    const asked = await browser.post(`/console/payouts/${payout.id}/reject`, {
      reason: "duplicate\u0000 of an earlier payout",
    });
    assert.equal(asked.status, 200);
    const question = await asked.text();
    assert.match(question, /Reject the payout of 125\.50 EUR\?/);
    assert.match(question, /name="reason" value="duplicate {2}of an earlier payout"/);
    assert.equal(await statusOf(t, payout.id), "needs_approval");
    const response = await browser.post(`/console/payouts/${payout.id}/reject`, {
      reason: "duplicate\u0000 of an earlier payout",
      ...CONFIRMED,
    });
    assert.equal(response.status, 303);
    const [row] = await t.db.sql<{ status: string; failure_reason: string }[]>`
      select status, failure_reason from payouts where id = ${payout.id}
    `;
    assert.deepEqual({ ...row }, {
      status: "rejected",
      failure_reason: "duplicate  of an earlier payout",
    });
  }));

Deno.test("an internal error is a plain page with the request id and nothing internal", () =>
  withConsoleApp(async (t) => {
    const operator = await t.createKey();
    const payout = await createPayout(t, operator);
    const browser = await t.signedIn(operator.key);
    // The timeline's query fails as a lost table would make it.
    await t.db.sql`alter table payout_events rename to payout_events_hidden`;
    let response: Response;
    try {
      response = await browser.fetch(`/console/payouts/${payout.id}`, {
        headers: { "X-Request-Id": "console-500-test" },
      });
    } finally {
      await t.db.sql`alter table payout_events_hidden rename to payout_events`;
    }
    assert.equal(response.status, 500);
    assert.match(response.headers.get("content-type") ?? "", /text\/html/);
    const html = await response.text();
    assert.match(html, /console-500-test/);
    assert.doesNotMatch(html, /payout_events|relation|postgres|at .*\.ts/i);
    assert.ok(
      t.logLines.some((line) => line.includes("unhandled error") && line.includes("payout_events")),
      "the details are in the log",
    );
  }));
