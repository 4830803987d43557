import assert from "node:assert/strict";
import { PAYOUT_ID_FIELD } from "../../../src/queue/stream_names.ts";
import { createRig, seedPayouts, waitForOutput, waitForStatus } from "./fault_fixtures.ts";

const RETRY_MS = 4000;
const MAX_DELIVERIES = 3;

type EventRow = { id: string; type: string; from_status: string | null; to_status: string | null };

Deno.test("transient failures are retried beside other jobs; failing jobs end dead-lettered", async (t) => {
  const rig = await createRig();
  try {
    const { sql } = rig.db;
    const events = async (payoutId: string) =>
      await sql<(EventRow & { detail: Record<string, unknown> })[]>`
        select id, type, from_status, to_status, detail from payout_events
        where payout_id = ${payoutId} order by id
      `;
    const transitions = (rows: EventRow[]) =>
      rows.map((row) => `${row.type}:${row.from_status ?? ""}>${row.to_status ?? ""}`);
    const deadLetters = async () =>
      (await rig.redis.xrange(rig.names.deadLetter, "-", "+")).map(([, fields]) => {
        const record: Record<string, string> = {};
        for (let i = 0; i < fields.length; i += 2) record[fields[i]] = fields[i + 1];
        return record;
      });

    const worker = rig.spawn("worker.ts", {
      // One slot: a retry that kept it through its backoff would hold up every other job.
      WORKER_CONCURRENCY: "1",
      RETRY_BASE_MS: String(RETRY_MS),
      RETRY_MAX_MS: String(RETRY_MS),
      // Longer than a backoff, so no one reclaims the job while it waits.
      CLAIM_IDLE_MS: "10000",
      MAX_DELIVERIES: String(MAX_DELIVERIES),
    });
    await waitForOutput(worker, "worker started");

    await t.step(
      "a FLAKY payout completes after a retry, without holding up the others",
      async () => {
        const [flaky] = await seedPayouts(rig, 1, { account: "FLAKY-0001" });
        const others = await seedPayouts(rig, 10);
        await waitForStatus(sql, "completed", 11);

        const flakyEvents = await events(flaky);
        assert.deepEqual(transitions(flakyEvents), [
          "created:>pending",
          "status_changed:pending>processing",
          "attempt_failed:processing>processing",
          "status_changed:processing>completed",
        ]);
        const retryIn = Number(flakyEvents[2].detail.retry_in_ms);
        assert.ok(
          retryIn >= RETRY_MS / 2 && retryIn <= RETRY_MS,
          `backoff with jitter: ${retryIn}`,
        );
        const calls = await sql<{ outcome: string }[]>`
        select outcome from provider_calls where payout_id = ${flaky} order by id
      `;
        assert.deepEqual(calls.map((row) => row.outcome), ["transient_error", "paid"]);

        // The others were queued behind it and still finished during its backoff.
        const [{ last }] = await sql<{ last: string }[]>`
        select max(id)::text as last from payout_events
        where payout_id = any(${others}::uuid[]) and to_status = 'completed'
      `;
        assert.ok(BigInt(last) < BigInt(flakyEvents[3].id), "others completed before the retry");
      },
    );

    await t.step(
      "a FAIL payout fails with its reason and lands in the dead-letter stream",
      async () => {
        const [failing] = await seedPayouts(rig, 1, { account: "FAIL-0001" });
        await waitForStatus(sql, "failed", 1);
        const [payout] =
          await sql`select status, failure_reason from payouts where id = ${failing}`;
        const reason = "recipient account rejected by the provider";
        assert.deepEqual({ ...payout }, { status: "failed", failure_reason: reason });
        const failingEvents = await events(failing);
        assert.deepEqual(transitions(failingEvents), [
          "created:>pending",
          "status_changed:pending>processing",
          "status_changed:processing>failed",
        ]);
        assert.equal(failingEvents[2].detail.reason, reason);
        const dead = await deadLetters();
        assert.deepEqual(dead.map((entry) => [entry[PAYOUT_ID_FIELD], entry.reason]), [
          [failing, reason],
        ]);
        const [{ n }] = await sql<{ n: number }[]>`
        select count(*)::int as n from provider_calls where payout_id = ${failing}
      `;
        assert.equal(n, 1, "a permanent error is not retried");
      },
    );

    await t.step(`a job delivered more than MAX_DELIVERIES times is dead-lettered`, async () => {
      const [stuck] = await seedPayouts(rig, 1, { publish: false });
      // A consumer that never finishes takes the job (atomically, before the worker can)...
      const replies = await rig.redis.multi()
        .xadd(rig.names.stream, "*", PAYOUT_ID_FIELD, stuck)
        .xreadgroup("GROUP", rig.names.group, "ghost", "COUNT", 1, "STREAMS", rig.names.stream, ">")
        .exec();
      const entryId = replies![0][1] as string;
      // ...and has had it delivered MAX_DELIVERIES times, long ago.
      await rig.redis.xclaim(
        rig.names.stream,
        rig.names.group,
        "ghost",
        0,
        entryId,
        "IDLE",
        60_000,
        "RETRYCOUNT",
        MAX_DELIVERIES,
      );
      await waitForStatus(sql, "failed", 2);

      const [payout] = await sql`select status, failure_reason from payouts where id = ${stuck}`;
      const reason = `job delivered ${MAX_DELIVERIES + 1} times without finishing`;
      assert.deepEqual({ ...payout }, { status: "failed", failure_reason: reason });
      assert.deepEqual(transitions(await events(stuck)), [
        "created:>pending",
        "status_changed:pending>failed",
      ]);
      const dead = (await deadLetters()).filter((entry) => entry[PAYOUT_ID_FIELD] === stuck);
      assert.deepEqual(dead.map((entry) => [entry.reason, entry.entry_id]), [[reason, entryId]]);
      const pending = await rig.redis.xpending(rig.names.stream, rig.names.group) as [number];
      assert.equal(pending[0], 0, "the dead-lettered entry is acknowledged");
      const [{ n }] = await sql<{ n: number }[]>`
        select count(*)::int as n from provider_calls where payout_id = ${stuck}
      `;
      assert.equal(n, 0, "it never reached the provider");
    });

    const stopped = await worker.stop("SIGTERM");
    assert.equal(stopped.code, 0, worker.output().slice(-2000));
  } finally {
    await rig.close();
  }
});
