/**
 * What must hold across API replicas (behind HAProxy, on PgBouncer in transaction mode):
 * a key revoked anywhere is refused by every replica at once (LISTEN goes on a direct
 * connection, past the pooler), each replica's metrics carry its own instance label, and the
 * console shows the system's figures whichever replica draws it.
 */
import assert from "node:assert/strict";
import { ApiKeyService } from "../../src/apikeys/apikeys.service.ts";
import { consoleBrowser } from "../helpers/console_app.ts";
import { topologyUnavailable, withTopology } from "../helpers/topology.ts";
import { waitFor } from "../helpers/wait.ts";
import { FAST_TUNABLES, waitForStatus } from "./faults/fault_fixtures.ts";

const unavailable = topologyUnavailable();
if (unavailable) console.warn(`topology_test: ${unavailable}`);

const PAYOUTS = 6;

Deno.test({
  name: "API replicas behind HAProxy and PgBouncer act as one service",
  ignore: unavailable !== undefined,
  async fn(t) {
    // Keys trusted for 10 minutes: only the NOTIFY can evict a revoked one in time.
    const env = { ...FAST_TUNABLES, API_KEY_CACHE_MS: "600000" };
    await withTopology({ apis: 2, workers: 1, env }, async (topology) => {
      const { sql } = topology.db;
      const keys = new ApiKeyService(sql);
      const name = `topology-${crypto.randomUUID().slice(0, 8)}`;
      const { key } = await keys.create(name);
      const replicas = topology.apis.map((api) => api.origin);
      const listStatus = async (origin: string) => {
        const response = await fetch(`${origin}/api/payouts/?limit=1`, {
          headers: { Authorization: `Bearer ${key}` },
        });
        await response.body?.cancel();
        return response.status;
      };

      await t.step("payouts created through HAProxy are completed", async () => {
        for (let i = 0; i < PAYOUTS; i++) {
          const response = await fetch(`${topology.origin}/api/payouts/`, {
            method: "POST",
            headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
            body: JSON.stringify({
              amount: "5.00",
              currency: "EUR",
              recipient_details: { account: "DE89370400440532013000" },
            }),
          });
          assert.equal(response.status, 201, await response.text());
        }
        await waitForStatus(sql, "completed", PAYOUTS);
      });

      await t.step("the console shows the same, system-wide figures on each replica", async () => {
        const [first, second] = replicas;
        const browser = consoleBrowser((path, init) => fetch(`${first}${path}`, init));
        const signedIn = await browser.signIn(key);
        assert.equal(signedIn.status, 303, await signedIn.text());
        // The session lives in Postgres: the other replica honours the same cookie.
        const on = (origin: string) =>
          consoleBrowser((path, init) => fetch(`${origin}${path}`, init));
        const fragmentOf = async (origin: string) => {
          const other = on(origin);
          for (const [cookie, value] of browser.cookies) other.cookies.set(cookie, value);
          const response = await other.fetch("/console/fragments/overview");
          const html = await response.text();
          assert.equal(response.status, 200, html);
          // The time of the reading is the only part that may differ.
          return html.replace(/<p class="muted updated">.*?<\/p>/s, "");
        };
        // A minute may turn between the two readings: read again until both agree.
        const [html] = await waitFor(async () => {
          const both = await Promise.all([fragmentOf(first), fragmentOf(second)]);
          return both[0] === both[1] ? both : undefined;
        }, { timeoutMs: 30_000, message: "both replicas to show the same overview" });
        const completed = /<dt>completed<\/dt>\s*<dd>([^<]*)<\/dd>/.exec(html)?.[1];
        assert.equal(completed, String(PAYOUTS), "the completed count is every replica's");
      });

      await t.step("each replica labels every metric with its own instance name", async () => {
        for (const [index, origin] of replicas.entries()) {
          const text = await (await fetch(`${origin}/metrics`)).text();
          const samples = text.split("\n").filter((line) => line !== "" && !line.startsWith("#"));
          assert.ok(samples.length > 10, text);
          const instance = `instance="${topology.apis[index].name}"`;
          assert.deepEqual(samples.filter((line) => !line.includes(instance)), []);
        }
      });

      await t.step("a key revoked anywhere is refused by every replica at once", async () => {
        for (const origin of replicas) assert.equal(await listStatus(origin), 200);
        assert.ok(await keys.revoke(name));
        // Well inside the 10-minute cache: only the announcement can have evicted it.
        await waitFor(async () => {
          const statuses = await Promise.all(replicas.map(listStatus));
          return statuses.every((status) => status === 401);
        }, { timeoutMs: 15_000, message: "every replica to refuse the revoked key" });
      });

      for (const child of topology.children) {
        const status = await child.stop("SIGTERM");
        assert.equal(status.code, 0, child.output().slice(-2000));
      }
    });
  },
});
