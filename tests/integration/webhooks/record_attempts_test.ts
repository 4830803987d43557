/**
 * Recording a batch of finished attempts in one statement: each message moves on by its own
 * fate, only messages whose lease this worker still holds change, every recorded attempt
 * gets its log row, and each endpoint's `failing_since` follows the batch's outcomes.
 */
import assert from "node:assert/strict";
import {
  type AttemptOutcome,
  claimDueMessages,
  recordAttempts,
} from "../../../src/webhooks/dispatch.repository.ts";
import { withTestDatabase } from "../../helpers/database.ts";
import { createEndpoint, insertMessages } from "./webhook_fixtures.ts";

const WORKER = "test:recorder";

function outcome(messageId: string, fate: AttemptOutcome["fate"], statusCode: number | null) {
  return {
    messageId,
    attempt: {
      statusCode,
      durationMs: 12.6,
      error: statusCode === null ? "connection refused" : null,
      responseBody: statusCode === null ? null : `answer ${statusCode}`,
    },
    fate,
  };
}

Deno.test("a batch of attempts is recorded in one statement, each by its own fate, only under this worker's lease", async () => {
  await withTestDatabase(async ({ sql }) => {
    const works = await createEndpoint(sql, "https://works.example/hook");
    const broken = await createEndpoint(sql, "https://broken.example/hook");
    await sql`
      update webhook_endpoints set failing_since = clock_timestamp() - interval '1 hour'
      where id = ${works.id}
    `;
    const [delivered, retried] = await insertMessages(sql, works.id, 2);
    const [failed, takenOver] = await insertMessages(sql, broken.id, 2);
    const claimed = await claimDueMessages(sql, {
      worker: WORKER,
      limit: 10,
      leaseMs: 60_000,
      endpointConcurrency: 10,
      firstDelayMs: 0,
    });
    assert.equal(claimed.length, 4);
    // Another worker took this one over after our lease ran out.
    await sql`update webhook_messages set lease_owner = 'test:other' where id = ${takenOver}`;

    const recorded = await recordAttempts(sql, WORKER, [
      outcome(delivered, { status: "delivered" }, 204),
      outcome(retried, { status: "pending", retryInMs: 300_000 }, 500),
      outcome(failed, { status: "failed" }, null),
      outcome(takenOver, { status: "delivered" }, 200),
    ]);
    assert.deepEqual([...recorded].sort(), [delivered, retried, failed].sort());

    const messages = await sql<
      {
        id: string;
        status: string;
        attempt_count: number;
        lease_owner: string | null;
        delivered: boolean;
        retry_in_s: number;
      }[]
    >`
      select id, status, attempt_count, lease_owner, delivered_at is not null as delivered,
        round(extract(epoch from next_attempt_at - clock_timestamp()))::int as retry_in_s
      from webhook_messages
    `;
    const byId = new Map(messages.map((row) => [row.id, row]));
    assert.deepEqual(
      [delivered, retried, failed, takenOver].map((id) => {
        const { status, attempt_count, lease_owner, delivered } = byId.get(id)!;
        return { status, attempt_count, lease_owner, delivered };
      }),
      [
        { status: "delivered", attempt_count: 1, lease_owner: null, delivered: true },
        { status: "pending", attempt_count: 1, lease_owner: null, delivered: false },
        { status: "failed", attempt_count: 1, lease_owner: null, delivered: false },
        { status: "pending", attempt_count: 0, lease_owner: "test:other", delivered: false },
      ],
    );
    const retryIn = byId.get(retried)!.retry_in_s;
    assert.ok(retryIn >= 295 && retryIn <= 300, `retried in ${retryIn} s`);

    const attempts = await sql<
      {
        message_id: string;
        status_code: number | null;
        duration_ms: number;
        error: string | null;
        response_body: string | null;
        worker: string;
      }[]
    >`
      select message_id, status_code, duration_ms, error, response_body, worker
      from webhook_attempts order by message_id
    `;
    assert.deepEqual(
      attempts.map((row) => ({ ...row })),
      [
        { message_id: delivered, status_code: 204, response_body: "answer 204", error: null },
        { message_id: retried, status_code: 500, response_body: "answer 500", error: null },
        {
          message_id: failed,
          status_code: null,
          response_body: null,
          error: "connection refused",
        },
      ].map((row) => ({ ...row, duration_ms: 13, worker: WORKER }))
        .sort((a, b) => a.message_id.localeCompare(b.message_id)),
      "one attempt row per recorded message, none for the one taken over",
    );

    const endpoints = await sql<{ id: string; failing: boolean }[]>`
      select id, failing_since is not null as failing from webhook_endpoints
    `;
    const failing = new Map(endpoints.map((row) => [row.id, row.failing]));
    assert.equal(failing.get(works.id), false, "a success in the batch clears failing_since");
    assert.equal(failing.get(broken.id), true, "only failures set it");
  });
});

Deno.test("a batch the database refuses writes nothing at all", async () => {
  await withTestDatabase(async ({ sql }) => {
    const endpoint = await createEndpoint(sql, "https://works.example/hook");
    const [good, bad] = await insertMessages(sql, endpoint.id, 2);
    await claimDueMessages(sql, {
      worker: WORKER,
      limit: 10,
      leaseMs: 60_000,
      endpointConcurrency: 10,
      firstDelayMs: 0,
    });
    // A status code beyond smallint: the whole statement fails, so the dispatcher's batcher
    // records each attempt on its own and only this one fails.
    await assert.rejects(recordAttempts(sql, WORKER, [
      outcome(good, { status: "delivered" }, 204),
      outcome(bad, { status: "delivered" }, 70_000),
    ]));
    const [{ changed, attempts }] = await sql<{ changed: number; attempts: number }[]>`
      select (select count(*)::int from webhook_messages where status <> 'pending') as changed,
        (select count(*)::int from webhook_attempts) as attempts
    `;
    assert.deepEqual({ changed, attempts }, { changed: 0, attempts: 0 });
    assert.deepEqual(
      [...await recordAttempts(sql, WORKER, [outcome(good, { status: "delivered" }, 204)])],
      [good],
    );
  });
});
