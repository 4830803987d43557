/**
 * The dispatcher outlives a Postgres outage: its sessions are terminated and the database
 * refuses new ones for a while; it logs, backs off and delivers what came in meanwhile.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { createSql } from "../../../src/db/client.ts";
import { withTestDatabase } from "../../helpers/database.ts";
import { startWebhookReceiver } from "../../helpers/webhook_receiver.ts";
import { waitFor } from "../../helpers/wait.ts";
import {
  createEndpoint,
  insertMessages,
  startDispatcher,
  waitForMessages,
} from "./webhook_fixtures.ts";

const ADMIN_URL = Deno.env.get("TEST_DATABASE_ADMIN_URL") ||
  "postgres://postgres@127.0.0.1:5432/postgres";

Deno.test("the dispatcher carries on after Postgres terminates its sessions and refuses new ones", async () => {
  await withTestDatabase(async (db) => {
    const application = `webhooks-outage-${crypto.randomUUID().slice(0, 8)}`;
    const pool = createSql(db.url, { max: 2, applicationName: application, prepare: true });
    const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
    const receiver = startWebhookReceiver();
    const hooks = startDispatcher(pool);
    try {
      const endpoint = await createEndpoint(db.sql, receiver.url());
      await waitForMessages(db.sql, await insertMessages(db.sql, endpoint.id, 3), "delivered");

      const during: string[] = [];
      await admin.unsafe(`alter database "${db.name}" allow_connections false`);
      try {
        await admin`
          select pg_terminate_backend(pid) from pg_stat_activity
          where datname = ${db.name} and application_name = ${application}
        `;
        // The test's own pool was connected before, so it can still write.
        during.push(...await insertMessages(db.sql, endpoint.id, 5));
        await waitFor(
          () => hooks.lines.some((line) => line.includes("webhooks: claiming messages failed")),
          { message: "the dispatcher to notice the outage" },
        );
      } finally {
        await admin.unsafe(`alter database "${db.name}" allow_connections true`);
      }
      await waitForMessages(db.sql, during, "delivered");
      assert.ok(hooks.lines.some((line) => line.includes("webhooks: claiming messages again")));
      assert.equal(receiver.requests.length, 8);
    } finally {
      await hooks.stop();
      await receiver.close();
      await admin.end();
      await pool.end({ timeout: 5 });
    }
  });
});
