import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { silentLogger } from "../../src/log.ts";
import { cancelOpenPayout } from "../../src/payouts/payout_changes.repository.ts";
import { insertPayout } from "../../src/payouts/payouts.repository.ts";
import { Router } from "../../src/connectors/routing.ts";
import { SimulatedConnector } from "../../src/connectors/simulated/simulated_connector.ts";
import { ensureGroup } from "../../src/queue/job_stream.ts";
import { StreamProducer } from "../../src/queue/producer.ts";
import { PayoutProcessor } from "../../src/worker/payout_processor.ts";
import {
  type JobReport,
  WorkerRuntime,
  type WorkerRuntimeOptions,
} from "../../src/worker/worker_runtime.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { payoutDraft, TEST_ACTOR } from "../helpers/payout_drafts.ts";
import {
  createTestStreams,
  deliverWithoutAck,
  TEST_REDIS_URL,
  type TestStreams,
} from "../helpers/redis.ts";
import { waitFor } from "../helpers/wait.ts";

interface Harness {
  db: TestDatabase;
  streams: TestStreams;
  producer: StreamProducer;
  reports: JobReport[];
  /** Every shared statement of two or more jobs: [statement, jobs, outcome]. */
  batches: [string, number, string][];
  /** Starts a runtime; `stop` of every started runtime runs at the end of the test. */
  start(options?: Partial<WorkerRuntimeOptions>, latencyMs?: number): WorkerRuntime;
  createPayouts(n: number, account?: string): Promise<string[]>;
  statuses(ids: string[]): Promise<Record<string, number>>;
  pendingCount(): Promise<number>;
  paidRows(ids: string[]): Promise<number>;
}

async function withHarness(fn: (h: Harness) => Promise<void>): Promise<void> {
  const db = await createTestDatabase();
  const streams = createTestStreams();
  const blockingClients: Redis[] = [];
  const runtimes: WorkerRuntime[] = [];
  const reports: JobReport[] = [];
  const batches: [string, number, string][] = [];
  const producer = new StreamProducer(streams.redis, db.sql, streams.names.stream, silentLogger);
  const harness: Harness = {
    db,
    streams,
    producer,
    reports,
    batches,
    start(options = {}, latencyMs = 0) {
      const blocking = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
      blockingClients.push(blocking);
      const consumer = options.consumer ?? `consumer-${runtimes.length}`;
      const processor = new PayoutProcessor(
        db.sql,
        Router.only(
          new SimulatedConnector(db.sql, {
            latencyMs,
            failureRate: 0,
            onBatch: (size, outcome) => batches.push(["ledger", size, outcome]),
          }),
        ),
        {
          workerId: `worker:${consumer}`,
          leaseMs: 30_000,
          maxAttempts: 5,
          retryBaseMs: 1,
          retryMaxMs: 2,
          onBatch: (statement, size, outcome) => batches.push([statement, size, outcome]),
        },
      );
      const runtime = new WorkerRuntime({
        blocking,
        redis: streams.redis,
        processor,
        log: silentLogger,
        onJob: (report) => reports.push(report),
      }, {
        consumer,
        names: streams.names,
        concurrency: 8,
        batchSize: 16,
        blockMs: 100,
        claimIdleMs: 30_000,
        reclaimIntervalMs: 60_000,
        maxDeliveries: 5,
        deadLetterMaxLen: 1000,
        ...options,
      });
      runtimes.push(runtime);
      runtime.start();
      return runtime;
    },
    async createPayouts(n, account = "DE89370400440532013000") {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const id = crypto.randomUUID();
        const draft = payoutDraft({
          amountMinor: 1000n + BigInt(i),
          currency: "EUR",
          recipientDetails: { account },
        });
        await insertPayout(db.sql, id, draft, "pending", TEST_ACTOR);
        ids.push(id);
      }
      return ids;
    },
    async statuses(ids) {
      const rows = await db.sql<{ status: string; n: number }[]>`
        select status, count(*)::int as n from payouts where id = any(${ids}::uuid[])
        group by status
      `;
      return Object.fromEntries(rows.map((row) => [row.status, row.n]));
    },
    async pendingCount() {
      const [count] = await streams.redis.xpending(streams.names.stream, streams.names.group) as [
        number,
      ];
      return count;
    },
    async paidRows(ids) {
      const [{ n }] = await db.sql<{ n: number }[]>`
        select count(*)::int as n from provider_calls
        where outcome = 'paid' and payout_id = any(${ids}::uuid[])
      `;
      return n;
    },
  };
  try {
    await ensureGroup(streams.redis, streams.names);
    await fn(harness);
  } finally {
    for (const runtime of runtimes) await runtime.stop(10_000);
    for (const client of blockingClients) client.disconnect();
    await producer.flush();
    await streams.cleanup();
    await db.drop();
  }
}

Deno.test("a worker completes 50 jobs and acknowledges every one", async () => {
  await withHarness(async (h) => {
    const ids = await h.createPayouts(50);
    await h.producer.append(ids);
    const runtime = h.start();
    await waitFor(async () => (await h.statuses(ids)).completed === 50, {
      message: "50 completed payouts",
    });
    await waitFor(async () => await h.pendingCount() === 0, { message: "an empty pending list" });
    assert.equal(await h.paidRows(ids), 50);
    assert.deepEqual(await runtime.stop(10_000), { unfinished: 0 });
    assert.equal(h.reports.filter((r) => r.outcome === "completed").length, 50);
  });
});

Deno.test("a duplicate entry for the same payout is paid once and both entries are acked", async () => {
  await withHarness(async (h) => {
    const [id, other] = await h.createPayouts(2);
    // Side by side, so one read hands both copies to the same worker at once; the provider's
    // latency keeps the first in flight while the second arrives.
    await h.producer.append([id, id, other]);
    h.start({}, 50);
    await waitFor(async () => (await h.statuses([id, other])).completed === 2, {
      message: "both payouts completed",
    });
    await waitFor(async () => await h.pendingCount() === 0, { message: "an empty pending list" });
    // The copy never reached the provider at all, not even as a refused duplicate.
    const calls = await h.db.sql`select outcome from provider_calls where payout_id = ${id}`;
    assert.deepEqual(calls.map((row) => row.outcome), ["paid"]);
    assert.equal(await h.streams.redis.xlen(h.streams.names.stream), 3);

    // A late duplicate of a finished payout is skipped and acked too.
    await h.producer.append([id]);
    await waitFor(() => h.reports.some((r) => r.payoutId === id && r.outcome === "skipped"), {
      message: "the late duplicate skipped",
    });
    await waitFor(async () => await h.pendingCount() === 0, { message: "an empty pending list" });
    assert.equal(await h.paidRows([id]), 1);
  });
});

Deno.test("an entry whose payout_id is not a UUID goes to the dead-letter stream", async () => {
  await withHarness(async (h) => {
    const { stream, deadLetter } = h.streams.names;
    const entryId = await h.streams.redis.xadd(stream, "*", "payout_id", "not-a-uuid") as string;
    h.start();
    await waitFor(async () => await h.streams.redis.xlen(deadLetter) === 1, {
      message: "a dead-lettered entry",
    });
    const [[, fields]] = await h.streams.redis.xrange(deadLetter, "-", "+");
    const record = Object.fromEntries(
      fields.flatMap((_, i) => i % 2 === 0 ? [[fields[i], fields[i + 1]]] : []),
    );
    assert.equal(record.payout_id, "not-a-uuid");
    assert.equal(record.entry_id, entryId);
    assert.match(record.reason, /not a UUID/);
    await waitFor(async () => await h.pendingCount() === 0, { message: "the entry acked" });
  });
});

Deno.test("a payout that fails permanently is dead-lettered with the provider's reason", async () => {
  await withHarness(async (h) => {
    const [id] = await h.createPayouts(1, "FAIL-123");
    await h.producer.append([id]);
    h.start();
    await waitFor(async () => await h.streams.redis.xlen(h.streams.names.deadLetter) === 1, {
      message: "a dead-lettered entry",
    });
    const [[, fields]] = await h.streams.redis.xrange(h.streams.names.deadLetter, "-", "+");
    assert.equal(fields[fields.indexOf("payout_id") + 1], id);
    const [row] = await h.db.sql`select status, failure_reason from payouts where id = ${id}`;
    assert.equal(row.status, "failed");
    assert.equal(fields[fields.indexOf("reason") + 1], row.failure_reason);
    await waitFor(async () => await h.pendingCount() === 0, { message: "the entry acked" });
  });
});

Deno.test("stop waits for the jobs in flight and reports none unfinished", async () => {
  await withHarness(async (h) => {
    const ids = await h.createPayouts(5);
    await h.producer.append(ids);
    const runtime = h.start({}, 300);
    await waitFor(async () => (await h.statuses(ids)).processing > 0, {
      message: "jobs in flight",
    });
    assert.deepEqual(await runtime.stop(30_000), { unfinished: 0 });
    // Everything it had started is finished and acknowledged by the time stop returns.
    const statuses = await h.statuses(ids);
    assert.equal(statuses.processing, undefined, JSON.stringify(statuses));
    assert.ok((statuses.completed ?? 0) > 0);
    const [count] = await h.streams.redis.xpending(h.streams.names.stream, h.streams.names.group)
      .then((summary) => summary as [number]);
    assert.equal(count, statuses.pending ?? 0);
  });
});

Deno.test("a restarted worker first finishes the entries it had been given", async () => {
  await withHarness(async (h) => {
    const ids = await h.createPayouts(3);
    await h.producer.append(ids);
    // The previous process under this name read them and died before acknowledging.
    await deliverWithoutAck(h.streams.redis, h.streams.names, "worker-1", 10);
    assert.equal(await h.pendingCount(), 3);
    h.start({ consumer: "worker-1" });
    await waitFor(async () => (await h.statuses(ids)).completed === 3, {
      message: "3 completed payouts",
    });
    await waitFor(async () => await h.pendingCount() === 0, { message: "an empty pending list" });
  });
});

Deno.test("a live worker takes over the stalled entries of a dead one", async () => {
  await withHarness(async (h) => {
    const ids = await h.createPayouts(3);
    await h.producer.append(ids);
    const { stream, group } = h.streams.names;
    await h.streams.redis.xreadgroup("GROUP", group, "dead", "COUNT", 10, "STREAMS", stream, ">");
    h.start({ consumer: "alive", claimIdleMs: 100, reclaimIntervalMs: 50 });
    await waitFor(async () => (await h.statuses(ids)).completed === 3, {
      message: "3 completed payouts",
    });
    await waitFor(async () => await h.pendingCount() === 0, { message: "an empty pending list" });
    assert.equal(await h.paidRows(ids), 3);
  });
});

Deno.test("an entry delivered too often is dead-lettered and its unpaid payout failed", async () => {
  await withHarness(async (h) => {
    const [id] = await h.createPayouts(1);
    await h.producer.append([id]);
    const { stream, group, deadLetter } = h.streams.names;
    await h.streams.redis.xreadgroup("GROUP", group, "dead", "COUNT", 10, "STREAMS", stream, ">");
    // The claim is its second delivery: past a limit of one.
    h.start({ consumer: "alive", claimIdleMs: 100, reclaimIntervalMs: 50, maxDeliveries: 1 });
    await waitFor(async () => await h.streams.redis.xlen(deadLetter) === 1, {
      message: "a dead-lettered entry",
    });
    await waitFor(async () => await h.pendingCount() === 0, { message: "the entry acked" });
    const [row] = await h.db.sql`select status, failure_reason from payouts where id = ${id}`;
    assert.equal(row.status, "failed");
    assert.match(row.failure_reason, /delivered 2 times/);
    assert.equal(await h.paidRows([id]), 0);
    const report = h.reports.find((r) => r.payoutId === id);
    assert.equal(report?.outcome, "dead_lettered");
  });
});

Deno.test("after a short read the worker pauses before reading again, and stop ends the pause", async () => {
  await withHarness(async (h) => {
    const [first, ...rest] = await h.createPayouts(4);
    const runtime = h.start({ readLingerMs: 60_000 });
    await h.producer.append([first]);
    await waitFor(async () => (await h.statuses([first])).completed === 1, {
      message: "the first payout completed",
    });
    // A worker that read again at once would take these within a round trip.
    await h.producer.append(rest);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.deepEqual(await h.statuses(rest), { pending: 3 });
    const [delivered] = await h.streams.redis.xpending(
      h.streams.names.stream,
      h.streams.names.group,
    ) as [number];
    assert.equal(delivered, 0, "the three jobs are still undelivered");
    assert.deepEqual(await runtime.stop(10_000), { unfinished: 0 });
  });
});

Deno.test("the jobs of one read are claimed, paid and finished in one statement each", async () => {
  await withHarness(async (h) => {
    const ids = await h.createPayouts(16);
    await h.producer.append(ids);
    h.start({ concurrency: 16, batchSize: 16 });
    await waitFor(async () => (await h.statuses(ids)).completed === 16, {
      message: "16 completed payouts",
    });
    await waitFor(async () => await h.pendingCount() === 0, { message: "an empty pending list" });
    assert.deepEqual(h.batches, [["claim", 16, "ok"], ["ledger", 16, "ok"], ["finish", 16, "ok"]]);
    assert.equal(await h.paidRows(ids), 16);
  });
});

Deno.test("a canceled, unapproved or not yet due payout read in a batch is skipped and acked; the rest complete", async () => {
  await withHarness(async (h) => {
    const ready = await h.createPayouts(3);
    const [canceled] = await h.createPayouts(1);
    assert.ok(
      await cancelOpenPayout(h.db.sql, canceled, null, { name: "api:test", apiKeyId: null }),
    );
    const held: string[] = [];
    for (const kind of ["needs_approval", "scheduled"] as const) {
      const id = crypto.randomUUID();
      const draft = payoutDraft({
        amountMinor: 700n,
        currency: "EUR",
        scheduledFor: kind === "scheduled" ? new Date(Date.now() + 3_600_000) : null,
        requiresApproval: kind === "needs_approval",
      });
      await insertPayout(
        h.db.sql,
        id,
        draft,
        kind === "needs_approval" ? "needs_approval" : "pending",
        TEST_ACTOR,
      );
      held.push(id);
    }
    const skipped = [canceled, ...held];
    await h.producer.append([ready[0], canceled, ready[1], ...held, ready[2]]);
    h.start({ concurrency: 16, batchSize: 16 });
    await waitFor(async () => (await h.statuses(ready)).completed === 3, {
      message: "3 completed payouts",
    });
    await waitFor(async () => await h.pendingCount() === 0, { message: "every entry acked" });
    assert.deepEqual(h.batches[0], ["claim", 6, "ok"]);
    assert.deepEqual(
      h.reports.filter((r) => r.outcome === "skipped").map((r) => r.payoutId).sort(),
      [...skipped].sort(),
    );
    assert.deepEqual(await h.statuses(skipped), { canceled: 1, needs_approval: 1, pending: 1 });
    assert.equal(await h.paidRows(skipped), 0);
    assert.equal(await h.paidRows(ready), 3);
  });
});
