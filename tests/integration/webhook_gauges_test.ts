/**
 * The webhook backlog gauges that `/metrics` computes at scrape time beside the queue
 * gauges: equal to what Postgres holds.
 */
import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { registerQueueGauges } from "../../src/metrics/queue_gauges.ts";
import { withTestDatabase } from "../helpers/database.ts";
import { createTestStreams } from "../helpers/redis.ts";
import { createEndpoint, insertMessages } from "./webhooks/webhook_fixtures.ts";

function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const DUE_NOW = 'webhook_messages_pending{due="now"}';
const DUE_LATER = 'webhook_messages_pending{due="later"}';
const OLDEST = 'webhook_oldest_message_age_seconds{status="pending"}';

Deno.test("the webhook gauges count pending messages due now and later, and the oldest one's age", async () => {
  await withTestDatabase(async ({ sql }) => {
    const streams = createTestStreams();
    try {
      const registry = new Registry();
      registerQueueGauges(registry, { sql, redis: streams.redis, names: streams.names });
      const empty = await registry.metrics();
      assert.equal(sample(empty, DUE_NOW), 0);
      assert.equal(sample(empty, DUE_LATER), 0);
      assert.equal(sample(empty, OLDEST), undefined, "no age without a pending message");

      const endpoint = await createEndpoint(sql, "https://hooks.example.com/in");
      const [delivered, failed, later] = await insertMessages(sql, endpoint.id, 5);
      await sql`
        update webhook_messages set status = 'delivered', delivered_at = clock_timestamp()
        where id = ${delivered}
      `;
      await sql`update webhook_messages set status = 'failed' where id = ${failed}`;
      await sql`
        update webhook_messages set next_attempt_at = clock_timestamp() + interval '1 hour',
          occurred_at = clock_timestamp() - interval '90 seconds'
        where id = ${later}
      `;
      const text = await registry.metrics();
      assert.equal(sample(text, DUE_NOW), 2);
      assert.equal(sample(text, DUE_LATER), 1);
      const age = sample(text, OLDEST)!;
      assert.ok(age >= 90 && age < 3600, `oldest age ${age}`);
    } finally {
      await streams.cleanup();
    }
  });
});
