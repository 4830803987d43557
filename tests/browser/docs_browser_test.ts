/**
 * Swagger UI in a real browser: Debian's Chromium, headless, driven by playwright-core,
 * against the API started as a real process. The page renders the payout operations,
 * loads nothing from outside this host, and creates a payout through "Try it out".
 *
 * Skipped (loudly) when /usr/bin/chromium is missing: `apt-get install chromium`.
 */
import assert from "node:assert/strict";
import { ApiKeyService } from "../../src/apikeys/apikeys.service.ts";
import { type Browser, chromiumMissing, launchChromium } from "../helpers/browser.ts";
import { withApiProcess } from "../helpers/api_process.ts";

const skip = chromiumMissing("Swagger UI");

Deno.test({
  name: "Swagger UI renders offline and creates a payout through Authorize and Try it out",
  ignore: skip,
  fn: () =>
    withApiProcess(async ({ db, origin }) => {
      const { key } = await new ApiKeyService(db.sql).create(
        `browser-${crypto.randomUUID().slice(0, 8)}`,
      );
      let browser: Browser | undefined;
      try {
        browser = await launchChromium();
        const context = await browser.newContext();
        const requested: string[] = [];
        context.on("request", (request) => requested.push(request.url()));
        const page = await context.newPage();
        await page.goto(`${origin}/api/docs/`);

        const createOperation = page.locator(".opblock-post").filter({
          has: page.locator(".opblock-summary-path", { hasText: /^\/payouts$/ }),
        });
        await createOperation.waitFor({ timeout: 30_000 });
        for (const method of ["GET", "POST", "PATCH", "DELETE"]) {
          assert.ok(
            await page.locator(`.opblock-summary-method`, { hasText: method }).count() > 0,
            `a ${method} operation is shown`,
          );
        }
        assert.ok(
          await page.locator(".opblock-summary-path", { hasText: "/payouts" }).count() >= 4,
        );

        await page.locator("button.authorize").first().click();
        const modal = page.locator(".modal-ux");
        await modal.locator("input").first().fill(key);
        await modal.locator("button.modal-btn.auth").filter({ hasText: "Authorize" }).click();
        await modal.locator("button.btn-done").click();

        await createOperation.locator(".opblock-summary").first().click();
        await createOperation.locator("button.try-out__btn").click();
        const account = `BROWSER-${crypto.randomUUID().slice(0, 8)}`;
        await createOperation.locator("textarea.body-param__text").fill(JSON.stringify({
          amount: "42.50",
          currency: "EUR",
          recipient_details: { account },
          description: "from Swagger UI",
        }));
        await createOperation.locator("button.execute").click();
        // The live response row, not the header row ("Code") above it.
        const status = createOperation.locator(
          ".live-responses-table tr.response .response-col_status",
        );
        await status.first().waitFor({ timeout: 30_000 });
        assert.match((await status.first().innerText()).trim(), /^201\b/);

        const rows = await db.sql<{ amount: string; currency: string; description: string }[]>`
        select amount::text, currency, description from payouts
        where recipient_details ->> 'account' = ${account}
      `;
        assert.deepEqual(rows.map((row) => ({ ...row })), [
          { amount: "42.5000", currency: "EUR", description: "from Swagger UI" },
        ]);

        assert.ok(requested.length > 3, `the page made requests: ${requested.join(", ")}`);
        const outside = requested.filter((url) => {
          const { protocol, hostname } = new URL(url);
          if (protocol === "data:" || protocol === "blob:") return false;
          return hostname !== "127.0.0.1" && hostname !== "localhost";
        });
        assert.deepEqual(outside, [], "every request stays on this host");
      } finally {
        await browser?.close();
      }
    }),
});
