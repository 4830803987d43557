/**
 * The whole app — payouts, webhook endpoints, docs, health and the console — is routed by
 * Hono's RegExpRouter. One route it cannot compile (a static path next to a parameter in
 * the same place, say) sends every request of the app through the slower TrieRouter; the
 * console once did that to the payout API's reads.
 */
import assert from "node:assert/strict";
import { createConsoleTestApp } from "../helpers/console_app.ts";

Deno.test("every route of the app is served by Hono's RegExpRouter", async () => {
  const t = await createConsoleTestApp();
  try {
    // Hono's SmartRouter settles on a router at the first request.
    const response = await t.app.request("/nothing-here");
    assert.equal(response.status, 404);
    await response.body?.cancel();
    const router = t.app.router as { name: string; activeRouter?: { name: string } };
    assert.equal(router.activeRouter?.name, "RegExpRouter", `router: ${router.name}`);
  } finally {
    await t.close();
  }
});
