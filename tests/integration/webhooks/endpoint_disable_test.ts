/**
 * An endpoint whose every attempt fails for longer than the limit is disabled by the
 * maintenance chore, with a warning in the log; one success in between starts the clock
 * over.
 */
import assert from "node:assert/strict";
import { claimDueMessages } from "../../../src/webhooks/dispatch.repository.ts";
import { disableFailingEndpointsTask } from "../../../src/webhooks/endpoint_disabler.ts";
import { withTestDatabase } from "../../helpers/database.ts";
import { startWebhookReceiver } from "../../helpers/webhook_receiver.ts";
import { waitFor } from "../../helpers/wait.ts";
import {
  createEndpoint,
  insertMessages,
  recordingLogger,
  startDispatcher,
  waitForMessages,
} from "./webhook_fixtures.ts";

const DISABLE_AFTER_MS = 300;

Deno.test("an endpoint failing for longer than the limit is disabled and logged; a success resets failing_since", async () => {
  await withTestDatabase(async ({ sql }) => {
    const receiver = startWebhookReceiver((request) => ({
      status: request.path === "/broken" ? 500 : 200,
    }));
    // Long enough to keep the broken endpoint failing for the whole test.
    const hooks = startDispatcher(sql, { schedule: [0, ...Array(40).fill(30)] });
    const { log, lines } = recordingLogger();
    try {
      const broken = await createEndpoint(sql, receiver.url("/broken"));
      const recovering = await createEndpoint(sql, receiver.url("/recovering"));
      await sql`
        update webhook_endpoints set failing_since = clock_timestamp() - interval '1 hour'
        where id = ${recovering.id}
      `;
      const [recovered] = await insertMessages(sql, recovering.id, 1);
      await waitForMessages(sql, [recovered], "delivered");
      const [afterSuccess] = await sql`
        select failing_since from webhook_endpoints where id = ${recovering.id}
      `;
      assert.equal(afterSuccess.failing_since, null, "a success resets failing_since");

      await insertMessages(sql, broken.id, 2);
      const disabled = await waitFor(async () => {
        const result = await disableFailingEndpointsTask(sql, log, DISABLE_AFTER_MS);
        return result.length > 0 ? result : undefined;
      }, { message: "the broken endpoint to be disabled" });
      assert.deepEqual(disabled.map((endpoint) => endpoint.id), [broken.id]);

      const rows = await sql<{ id: string; status: string; disabled_reason: string | null }[]>`
        select id, status, disabled_reason from webhook_endpoints order by created_at
      `;
      const byId = new Map(rows.map((row) => [row.id, row]));
      assert.equal(byId.get(broken.id)!.status, "disabled");
      assert.match(
        byId.get(broken.id)!.disabled_reason ?? "",
        /^every delivery attempt failed for more than 300 ms \(failing since \d{4}-\d\d-\d\dT/,
      );
      assert.equal(byId.get(recovering.id)!.status, "enabled");
      const warning = lines.map((line) => JSON.parse(line)).find((line) =>
        line.msg.startsWith("webhook endpoint disabled")
      );
      assert.equal(warning?.level, "warn");
      assert.equal(warning?.endpoint_id, broken.id);
      assert.equal(warning?.host, `127.0.0.1:${receiver.port}`);

      assert.deepEqual(
        await disableFailingEndpointsTask(sql, log, DISABLE_AFTER_MS),
        [],
        "disabled once",
      );
      // Its pending messages stay, but no dispatcher takes them while it is disabled.
      await hooks.stop();
      const claimed = await claimDueMessages(sql, {
        worker: "test:other",
        limit: 10,
        leaseMs: 1000,
        endpointConcurrency: 4,
        firstDelayMs: 0,
      });
      assert.deepEqual(claimed, []);
      const [{ pending }] = await sql<{ pending: number }[]>`
        select count(*)::int as pending from webhook_messages
        where endpoint_id = ${broken.id} and status = 'pending'
      `;
      assert.equal(pending, 2);
    } finally {
      await hooks.stop();
      await receiver.close();
    }
  });
});
