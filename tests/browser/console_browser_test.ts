/**
 * The operator console in a real browser: Debian's Chromium, headless, driven by
 * playwright-core, against the API started as a real process. Signs in with the keyboard,
 * watches the overview refresh itself, finds and cancels a payout, approves one created by
 * another key, requeues a dead letter and signs out; nothing is loaded from another origin
 * and the strict CSP is never violated. Screenshots of every page at 1280×800 and 390×844
 * go to tests/artifacts/console/ (gitignored); their paths are printed.
 *
 * Skipped (loudly) when /usr/bin/chromium is missing: `apt-get install chromium`.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { ApiKeyService } from "../../src/apikeys/apikeys.service.ts";
import { DEFAULT_SCOPES } from "../../src/apikeys/scopes.ts";
import { PAYOUT_ID_FIELD } from "../../src/queue/stream_names.ts";
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
      let browser: Browser | undefined;
      const saved: string[] = [];
      try {
        const toCancel = await createPayout(`CANCEL-${suffix}`);
        const toApprove = await createPayout(`APPROVE-${suffix}`, true);
        const deadId = await createPayout(`DEAD-${suffix}`);
        // As the worker leaves a job it gave up on: the payout failed, the entry dead-lettered.
        await db.sql`
        update payouts set status = 'failed', failure_reason = 'provider: account closed'
        where id = ${deadId}
      `;
        await streams.redis.xadd(
          streams.names.deadLetter,
          "*",
          PAYOUT_ID_FIELD,
          deadId,
          "reason",
          "provider: account closed",
          "entry_id",
          "1700000000000-0",
          "at",
          new Date().toISOString(),
        );

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
        assert.match(await page.locator("#overview").innerText(), /dead letters\s*1/);
        await screenshots(page, "overview", saved);

        await page.getByRole("link", { name: "Payouts" }).click();
        await page.locator("#status").selectOption("pending");
        await page.getByRole("button", { name: "Filter" }).click();
        await page.waitForURL(/status=pending/);
        await page.getByRole("link", { name: toCancel }).waitFor();
        await screenshots(page, "payouts", saved);
        await page.getByRole("link", { name: toCancel }).click();
        await page.waitForURL(`${origin}/console/payouts/${toCancel}`);
        await page.getByRole("button", { name: "Cancel payout" }).click();
        await page.waitForURL(/notice=canceled/);
        assert.match(await page.getByRole("status").innerText(), /The payout was canceled/);
        assert.equal(await statusOf(toCancel), "canceled");

        await page.locator("#open-id").fill(toApprove);
        await page.keyboard.press("Enter");
        await page.waitForURL(`${origin}/console/payouts/${toApprove}`);
        await screenshots(page, "payout", saved);
        await page.getByRole("button", { name: "Approve" }).click();
        await page.waitForURL(/notice=approved/);
        assert.equal(await statusOf(toApprove), "pending");

        await page.getByRole("link", { name: "Queues" }).click();
        await page.getByText("provider: account closed").first().waitFor();
        await screenshots(page, "queues", saved);
        await page.getByRole("button", { name: `Requeue ${deadId}` }).click();
        await page.waitForURL(/notice=requeued/);
        assert.match(await page.getByRole("status").innerText(), /Requeued 1 dead letter\./);
        assert.equal(await statusOf(deadId), "pending");
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
