/**
 * The operator console in a real browser: Debian's Chromium, headless, driven by
 * playwright-core, against the API started as a real process. Signs in with the keyboard,
 * watches the overview refresh itself, finds and cancels a payout (after a confirm dialog,
 * dismissed once), sees a refused filter keep what was typed, approves one created by
 * another key, reads the queue's figures and failing deliveries, requeues dead letters (one
 * from its failed payout's page, after a warning) and all of them (after a dialog), and
 * signs out; nothing is loaded from another origin and the strict CSP is never violated.
 * axe-core checks every page (WCAG 2.x A/AA and best practices, landmark-unique among them).
 * Screenshots of every page at 1280×800 and 390×844 go to tests/artifacts/console/
 * (gitignored); their paths are printed.
 *
 * Skipped (loudly) when /usr/bin/chromium is missing: `apt-get install chromium`.
 */
import assert from "node:assert/strict";
import type { BrowserContext, Page } from "playwright-core";
import { ApiKeyService } from "../../src/apikeys/apikeys.service.ts";
import { DEFAULT_SCOPES } from "../../src/apikeys/scopes.ts";
import { PAYOUT_ID_FIELD } from "../../src/queue/stream_names.ts";
import { axeViolations } from "../helpers/axe.ts";
import { type Browser, chromiumMissing, launchChromium } from "../helpers/browser.ts";
import { withApiProcess } from "../helpers/api_process.ts";
import { waitFor } from "../helpers/wait.ts";

const ARTIFACTS = new URL("../artifacts/console/", import.meta.url);
const SIZES = [{ width: 1280, height: 800 }, { width: 390, height: 844 }];

const skip = chromiumMissing("console");

/** Full-page screenshots at both sizes; returns to the desktop size after. */
async function screenshots(page: Page, name: string, saved: string[]): Promise<void> {
  for (const size of SIZES) {
    await page.setViewportSize(size);
    const path = new URL(`${name}-${size.width}x${size.height}.png`, ARTIFACTS).pathname;
    await page.screenshot({ path, fullPage: true });
    saved.push(path);
  }
  await page.setViewportSize(SIZES[0]);
}

/**
 * Accepts (or dismisses) the next dialog and returns its message; rejects when none opens
 * within a generous deadline (a missing confirmation fails the test instead of hanging it).
 */
async function answerNextDialog(page: Page, accept: boolean): Promise<string> {
  const dialog = await page.waitForEvent("dialog", { timeout: 20_000 });
  await (accept ? dialog.accept() : dialog.dismiss());
  return dialog.message();
}

/**
 * axe on each page, in a context of its own that shares the session and bypasses the CSP
 * (axe is injected as script text); the confirmation page is reached without htmx, as a
 * browser without script gets it.
 */
async function assertAccessible(
  browser: Browser,
  storageState: Awaited<ReturnType<BrowserContext["storageState"]>>,
  origin: string,
  paths: string[],
): Promise<void> {
  const context = await browser.newContext({ bypassCSP: true, storageState });
  try {
    const page = await context.newPage();
    const found: string[] = [];
    for (const path of paths) {
      await page.goto(`${origin}${path}`);
      for (const violation of await axeViolations(page)) found.push(`${path}: ${violation}`);
    }
    await page.route("**/htmx.min.js", (route) => route.abort());
    await page.goto(`${origin}/console/queues`);
    await page.getByRole("button", { name: /^Requeue all/ }).click();
    await page.getByRole("button", { name: "Yes, requeue" }).waitFor();
    for (const violation of await axeViolations(page)) found.push(`confirmation: ${violation}`);
    assert.deepEqual(found, [], "axe finds no violation on any console page");
  } finally {
    await context.close();
  }
}

Deno.test({
  name:
    "the console signs in by keyboard, shows the overview live, cancels, approves, requeues and signs out, all offline",
  ignore: skip,
  fn: () =>
    withApiProcess(async ({ db, streams, origin, process: api }) => {
      const keys = new ApiKeyService(db.sql);
      const suffix = crypto.randomUUID().slice(0, 8);
      const creator = await keys.create(`creator-${suffix}`, DEFAULT_SCOPES);
      const operator = await keys.create(`operator-${suffix}`, [
        ...DEFAULT_SCOPES,
        "payouts:approve",
      ]);
      const createPayout = async (account: string, requiresApproval = false) => {
        const response = await fetch(`${origin}/api/payouts/`, {
          method: "POST",
          headers: { Authorization: `Bearer ${creator.key}`, "Content-Type": "application/json" },
          body: JSON.stringify({
            amount: "42.50",
            currency: "EUR",
            recipient_details: { account },
            requires_approval: requiresApproval,
          }),
        });
        assert.equal(response.status, 201);
        return (await response.json()).id as string;
      };
      const statusOf = async (id: string) =>
        (await db.sql<{ status: string }[]>`select status from payouts where id = ${id}`)[0].status;
      /** As the worker leaves a job it gave up on: the payout failed, the entry dead-lettered. */
      const deadLettered = async (reason: string, permanent = false) => {
        const id = await createPayout(`DEAD-${crypto.randomUUID().slice(0, 8)}`);
        await db
          .sql`update payouts set status = 'failed', failure_reason = ${reason} where id = ${id}`;
        if (permanent) {
          await db.sql`
            insert into payout_events (payout_id, type, from_status, to_status, actor, detail)
            values (${id}, 'status_changed', 'processing', 'failed', 'worker:test',
              ${db.sql.json({ provider_outcome: "permanent_error" })})
          `;
        }
        await streams.redis.xadd(
          streams.names.deadLetter,
          "*",
          PAYOUT_ID_FIELD,
          id,
          "reason",
          reason,
          "entry_id",
          "1700000000000-0",
          "at",
          new Date().toISOString(),
        );
        return id;
      };
      let browser: Browser | undefined;
      const saved: string[] = [];
      try {
        const toCancel = await createPayout(`CANCEL-${suffix}`);
        const toApprove = await createPayout(`APPROVE-${suffix}`, true);
        const deadId = await deadLettered("provider: account closed");
        const permanentId = await deadLettered("recipient account rejected", true);
        await deadLettered("timeout (gave up after 5 attempts)");
        const [endpoint] = await db.sql<{ id: string }[]>`
          insert into webhook_endpoints (url, events, secret)
          values ('https://93.184.216.34/hooks', '{*}', 'whsec_dGVzdHRlc3R0ZXN0dGVzdA==')
          returning id
        `;
        const messageId = `msg_${crypto.randomUUID().replaceAll("-", "")}`;
        await db.sql`
          insert into webhook_messages
            (id, endpoint_id, event_type, data, status, attempt_count, next_attempt_at)
          values (${messageId}, ${endpoint.id}, 'payout.created', '{}', 'pending', 1,
            clock_timestamp() + interval '1 hour')
        `;

        Deno.mkdirSync(ARTIFACTS, { recursive: true });
        browser = await launchChromium();
        const context = await browser.newContext({ viewport: SIZES[0] });
        const requested: string[] = [];
        context.on("request", (request) => requested.push(request.url()));
        const page = await context.newPage();
        const cspErrors: string[] = [];
        page.on("console", (message) => {
          if (/Content Security Policy/i.test(message.text())) cspErrors.push(message.text());
        });

        await page.goto(`${origin}/console/`);
        assert.equal(new URL(page.url()).pathname, "/console/sign-in");
        await screenshots(page, "sign-in", saved);

        // Keyboard only: Tab reaches the key field, then the submit button.
        let tabs = 0;
        while (await page.evaluate("document.activeElement?.id") !== "key") {
          assert.ok(++tabs <= 3, "Tab reaches the API key field within three presses");
          await page.keyboard.press("Tab");
        }
        await page.keyboard.type(operator.key);
        await page.keyboard.press("Tab");
        assert.equal(
          await page.evaluate("document.activeElement?.textContent"),
          "Sign in",
          "the next Tab stop is the submit button",
        );
        await page.keyboard.press("Enter");
        await page.waitForURL(`${origin}/console/`);
        assert.equal(await page.locator("h1").innerText(), "Overview");
        assert.ok(!page.url().includes(operator.key.slice(3)), "the key is not in the URL");
        assert.ok(!(await page.content()).includes(operator.key), "the key is not in the page");

        // htmx swaps in a new copy of the overview every few seconds.
        const first = await page.locator("#overview time").getAttribute("datetime");
        // Polled from here: the page's CSP refuses the string evaluation waitForFunction uses.
        await waitFor(
          async () => (await page.locator("#overview time").getAttribute("datetime")) !== first,
          { timeoutMs: 20_000, intervalMs: 250, message: "the overview to refresh itself" },
        );
        assert.match(await page.locator("#overview").innerText(), /dead letters\s*3/);
        await screenshots(page, "overview", saved);

        await page.getByRole("link", { name: "Payouts" }).click();
        await page.locator("#status").selectOption("pending");
        await page.getByRole("button", { name: "Filter" }).click();
        await page.waitForURL(/status=pending/);
        await page.getByRole("link", { name: toCancel }).waitFor();
        await screenshots(page, "payouts", saved);
        await page.getByRole("link", { name: toCancel }).click();
        await page.waitForURL(`${origin}/console/payouts/${toCancel}`);
        // Destructive: htmx asks first; dismissed, nothing happens.
        let asked = answerNextDialog(page, false);
        await page.getByRole("button", { name: "Cancel payout" }).click();
        assert.match(await asked, /^Cancel the payout of 42\.50 EUR\? It will never be paid/);
        assert.equal(await statusOf(toCancel), "pending");
        asked = answerNextDialog(page, true);
        await page.getByRole("button", { name: "Cancel payout" }).click();
        await asked;
        await page.waitForURL(/notice=canceled/);
        assert.match(await page.getByRole("status").innerText(), /The payout was canceled/);
        assert.equal(await statusOf(toCancel), "canceled");

        // A refused filter keeps what was typed (a date input would show an impossible day
        // empty) and says that days are UTC.
        await page.goto(`${origin}/console/payouts?status=pending&from=2025-02-30`);
        assert.equal(await page.locator("#from").inputValue(), "2025-02-30");
        assert.equal(await page.locator("#status").inputValue(), "pending");
        assert.match(await page.getByRole("alert").innerText(), /from is not a date/);
        assert.ok(await page.getByText("Dates are whole UTC days").isVisible());
        await page.locator("#open-id").fill("not-an-id");
        await page.keyboard.press("Enter");
        await page.waitForURL(/id=not-an-id/);
        assert.equal(await page.locator("#open-id").inputValue(), "not-an-id");

        await page.locator("#open-id").fill(toApprove);
        await page.keyboard.press("Enter");
        await page.waitForURL(`${origin}/console/payouts/${toApprove}`);
        await screenshots(page, "payout", saved);
        await page.getByRole("button", { name: "Approve" }).click();
        await page.waitForURL(/notice=approved/);
        assert.equal(await statusOf(toApprove), "pending");

        await assertAccessible(browser, await context.storageState(), origin, [
          "/console/sign-in",
          "/console/",
          "/console/payouts",
          "/console/payouts?status=lost&from=2025-02-30",
          `/console/payouts/${toApprove}`,
          `/console/payouts/${permanentId}`,
          "/console/queues",
        ]);

        await page.getByRole("link", { name: "Queues" }).click();
        await page.getByText("provider: account closed").first().waitFor();
        const figures = await page.locator("section[aria-labelledby=queue]").innerText();
        for (const label of ["stream length", "pending", "lag", "dead letters", "outbox backlog"]) {
          assert.ok(figures.includes(label), `the Queues page shows ${label}`);
        }
        const delivery = page.getByRole("row").filter({ hasText: messageId });
        assert.match(await delivery.innerText(), /retrying\s+1 attempt\b/);
        assert.match(
          await delivery.locator('td[data-label="Next attempt"]').innerText(),
          /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/,
        );
        const flagged = page.getByRole("row").filter({ hasText: permanentId });
        assert.match(await flagged.innerText(), /permanent provider error/);
        await screenshots(page, "queues", saved);
        // A transient failure is requeued at once.
        await page.getByRole("button", { name: `Requeue ${deadId}` }).click();
        await page.waitForURL(/notice=requeued/);
        assert.match(await page.getByRole("status").innerText(), /Requeued 1 dead letter\./);
        assert.equal(await statusOf(deadId), "pending");

        // A failed payout's page links to its dead letter and requeues it, after a warning.
        await page.goto(`${origin}/console/payouts/${permanentId}`);
        await page.getByRole("link", { name: /^Dead letter .* on the Queues page$/ }).waitFor();
        await screenshots(page, "failed-payout", saved);
        asked = answerNextDialog(page, true);
        await page.getByRole("button", { name: `Requeue ${permanentId}` }).click();
        assert.match(await asked, /permanent provider error \(recipient account rejected\)/);
        await page.waitForURL(
          `${origin}/console/payouts/${permanentId}?notice=requeued&n=1&skipped=0`,
        );
        assert.equal(await statusOf(permanentId), "pending");
        const [requeue] = await db.sql<{ actor: string }[]>`
          select actor from payout_events where payout_id = ${permanentId} and from_status = 'failed'
        `;
        assert.equal(requeue.actor, `console:operator-${suffix}`);

        await page.getByRole("link", { name: "Queues" }).click();
        asked = answerNextDialog(page, true);
        await page.getByRole("button", { name: "Requeue all 1" }).click();
        assert.match(await asked, /^Requeue all 1 dead letter\? /);
        await page.waitForURL(/notice=requeued&n=1/);
        assert.equal(await streams.redis.xlen(streams.names.deadLetter), 0);

        await page.getByRole("button", { name: "Sign out" }).click();
        await page.waitForURL(/\/console\/sign-in\?notice=signed_out/);
        await page.goto(`${origin}/console/queues`);
        assert.equal(new URL(page.url()).pathname, "/console/sign-in");

        assert.deepEqual(cspErrors, [], "nothing broke the CSP");
        assert.ok(requested.length > 10, `the pages made requests: ${requested.length}`);
        const outside = requested.filter((url) => new URL(url).origin !== origin);
        assert.deepEqual(outside, [], "every request stays on the test's origin");
        console.log(`console screenshots:\n${saved.join("\n")}`);
        assert.doesNotMatch(api.output(), new RegExp(operator.key), "the key is in no log line");
      } finally {
        await browser?.close();
      }
    }),
});
