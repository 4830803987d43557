/**
 * The temporary endpoints of `deno task webhooks listen`, in the database: one whose lease
 * has ended is written no message and claimed for no delivery, and the workers' chore
 * deletes it (messages and attempts too) once it has been over long enough, leaving live
 * listeners and ordinary endpoints alone; a listener's URL can only be a loopback one; an
 * ended lease cannot be renewed.
 */
import assert from "node:assert/strict";
import { silentLogger } from "../../../src/log.ts";
import { claimDueMessages } from "../../../src/webhooks/dispatch.repository.ts";
import { deleteExpiredListenersTask } from "../../../src/webhooks/listener_cleanup.ts";
import {
  insertListenerEndpoint,
  renewListenerLease,
} from "../../../src/webhooks/listener_endpoints.repository.ts";
import { generateSecret } from "../../../src/webhooks/secret.ts";
import { withTestDatabase } from "../../helpers/database.ts";
import {
  createEndpoint,
  insertMessages,
  insertTestPayout,
  messagesOfPayout,
} from "./webhook_fixtures.ts";

const listener = (url: string, leaseMs = 30_000) => ({
  url,
  events: ["*"],
  secret: generateSecret(),
  leaseMs,
});

Deno.test("an ended listener lease gets no message and no delivery, cannot be renewed, and is deleted by the workers' chore", async () => {
  await withTestDatabase(async ({ sql }) => {
    const live = await insertListenerEndpoint(sql, listener("http://127.0.0.1:4001/"));
    const ended = await insertListenerEndpoint(sql, listener("http://127.0.0.1:4002/"));
    const ordinary = await createEndpoint(sql, "https://hooks.example/in");
    // Its lease ended two minutes ago: a CLI killed with SIGKILL.
    await sql`
      update webhook_endpoints set listener_expires_at = clock_timestamp() - interval '2 minutes'
      where id = ${ended}
    `;
    // Written before it ended, still pending, and attempted once.
    const [stale] = await insertMessages(sql, ended, 1);
    await sql`
      insert into webhook_attempts (message_id, status_code, duration_ms, worker)
      values (${stale}, 503, 1, 'test')
    `;

    const payoutId = await insertTestPayout(sql);
    const written = await sql<{ endpoint_id: string }[]>`
      select endpoint_id from webhook_messages where payout_id = ${payoutId}
    `;
    assert.deepEqual(
      written.map((row) => row.endpoint_id).sort(),
      [live, ordinary.id].sort(),
      "payout.created for the live listener and the ordinary endpoint only",
    );

    const claimed = await claimDueMessages(sql, {
      worker: "test:listeners",
      limit: 100,
      leaseMs: 60_000,
      endpointConcurrency: 8,
      firstDelayMs: 0,
    });
    assert.deepEqual(
      claimed.map((m) => [m.endpointId, m.listener]).sort(),
      [[live, true], [ordinary.id, false]].sort(),
      "the ended listener's pending message is not claimed",
    );
    assert.ok(!claimed.some((m) => m.id === stale));

    assert.equal(await renewListenerLease(sql, ended, 30_000), false);
    assert.equal(await renewListenerLease(sql, live, 30_000), true);

    // Not yet over for long enough: kept (a writer that saw it running may still commit).
    assert.deepEqual(await deleteExpiredListenersTask(sql, silentLogger, 10 * 60_000), []);
    assert.deepEqual(await deleteExpiredListenersTask(sql, silentLogger), [ended]);
    const left = await sql<{ id: string }[]>`select id from webhook_endpoints order by id`;
    assert.deepEqual(left.map((row) => row.id), [live, ordinary.id].sort());
    const orphans = await sql`
      select from webhook_messages where endpoint_id = ${ended}
      union all select from webhook_attempts where message_id = ${stale}
    `;
    assert.equal(orphans.length, 0);
    assert.equal((await messagesOfPayout(sql, payoutId)).length, 2);
  });
});

Deno.test("a listener endpoint can only point to a loopback address", async () => {
  await withTestDatabase(async ({ sql }) => {
    for (const url of ["https://hooks.example/in", "http://10.0.0.1:80/", "http://localhost:1/"]) {
      await assert.rejects(
        insertListenerEndpoint(sql, listener(url)),
        (error: { code?: string }) => error.code === "23514",
        url,
      );
    }
    assert.ok(await insertListenerEndpoint(sql, listener("http://[::1]:4003/")));
  });
});
