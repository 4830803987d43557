/**
 * Queue gauges read at scrape time: outbox backlog and webhook messages pending (Postgres),
 * stream length, the consumer group's pending count and lag, and dead-letter length (Redis). One snapshot is shared by
 * all gauges of a scrape, and each source is bounded by a short timeout so a scrape never
 * hangs on a dependency that is down; a source that fails leaves its series out and sets
 * `payouts_metrics_source_up{source}` to 0.
 */
import type { Redis } from "ioredis";
import { Gauge, type Registry } from "prom-client";
import type { Db } from "../db/types.ts";
import { readGroups } from "../queue/stream_info.ts";
import { outboxBacklog } from "../queue/outbox.repository.ts";
import { type WebhookBacklog, webhookBacklog } from "../webhooks/backlog.repository.ts";
import type { StreamNames } from "../queue/stream_names.ts";
import { withTimeout } from "../runtime/with_timeout.ts";

export interface QueueSource {
  sql: Db;
  redis: Redis;
  names: StreamNames;
  /** Bound on each source per scrape; default 500 ms. */
  timeoutMs?: number;
}

interface RedisSnapshot {
  length: number;
  deadLetters: number;
  /** Undefined while the consumer group does not exist (no worker has started yet). */
  pending: number | undefined;
  lag: number | null | undefined;
}

interface PostgresSnapshot {
  outbox: number;
  webhooks: WebhookBacklog;
}

interface Snapshot {
  postgres: PostgresSnapshot | undefined;
  redis: RedisSnapshot | undefined;
}

async function readPostgres(sql: Db): Promise<PostgresSnapshot> {
  const [outbox, webhooks] = await Promise.all([outboxBacklog(sql), webhookBacklog(sql)]);
  return { outbox: outbox.count, webhooks };
}

async function readRedis(redis: Redis, names: StreamNames): Promise<RedisSnapshot> {
  const [length, deadLetters, groups] = await Promise.all([
    redis.xlen(names.stream),
    redis.xlen(names.deadLetter),
    readGroups(redis, names),
  ]);
  const group = groups.find((candidate) => candidate.name === names.group);
  return { length, deadLetters, pending: group?.pending, lag: group?.lag };
}

/** Registers the queue gauges on `registry`; they query `source` whenever it is scraped. */
export function registerQueueGauges(registry: Registry, source: QueueSource): void {
  const timeoutMs = source.timeoutMs ?? 500;
  let inFlight: Promise<Snapshot> | undefined;
  // prom-client collects every metric of a scrape concurrently: the first gauge starts
  // the snapshot and the others share it, so a scrape costs one round of queries.
  const snapshot = () => {
    inFlight ??= (async () => {
      const [postgres, redis] = await Promise.all([
        withTimeout(readPostgres(source.sql), timeoutMs, "postgres queries")
          .catch(() => undefined),
        withTimeout(readRedis(source.redis, source.names), timeoutMs, "redis")
          .catch(() => undefined),
      ]);
      return { postgres, redis };
    })().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  // Labelled by stream (and group), which also lets a failed read leave the series out
  // instead of reporting a made-up 0.
  const { stream, deadLetter, group } = source.names;
  const gauge = (
    name: string,
    help: string,
    labels: Record<string, string>,
    read: (s: Snapshot) => number | null | undefined,
  ) =>
    new Gauge({
      name,
      help,
      labelNames: Object.keys(labels),
      registers: [registry],
      async collect() {
        const value = read(await snapshot());
        this.reset();
        if (value !== undefined && value !== null) this.set(labels, value);
      },
    });

  gauge(
    "payouts_outbox_backlog",
    "Jobs committed in the outbox but not yet appended to the stream.",
    { stream },
    (s) => s.postgres?.outbox,
  );
  new Gauge({
    name: "webhook_messages_pending",
    help: "Webhook messages not yet delivered or given up on: due now, or waiting for a retry.",
    labelNames: ["due"],
    registers: [registry],
    async collect() {
      const webhooks = (await snapshot()).postgres?.webhooks;
      this.reset();
      if (!webhooks) return;
      this.set({ due: "now" }, webhooks.due);
      this.set({ due: "later" }, webhooks.pending - webhooks.due);
    },
  });
  gauge(
    "webhook_oldest_message_age_seconds",
    "Age of the oldest webhook message in the status, from its event (absent when none).",
    { status: "pending" },
    (s) => {
      const ms = s.postgres?.webhooks.oldestPendingAgeMs;
      return ms === undefined || ms === null ? undefined : ms / 1000;
    },
  );
  gauge(
    "payouts_stream_length",
    "Entries in the job stream (XLEN).",
    { stream },
    (s) => s.redis?.length,
  );
  gauge(
    "payouts_stream_pending",
    "Entries delivered to the consumer group but not yet acknowledged.",
    { stream, group },
    (s) => s.redis?.pending,
  );
  gauge(
    "payouts_stream_lag",
    "Entries not yet delivered to the consumer group (absent when Redis cannot tell).",
    { stream, group },
    (s) => s.redis?.lag,
  );
  gauge(
    "payouts_dead_letter_length",
    "Entries in the dead-letter stream (XLEN).",
    { stream: deadLetter },
    (s) => s.redis?.deadLetters,
  );
  new Gauge({
    name: "payouts_metrics_source_up",
    help: "Whether the last scrape could read the source (1) or not (0).",
    labelNames: ["source"],
    registers: [registry],
    async collect() {
      const s = await snapshot();
      this.set({ source: "postgres" }, s.postgres === undefined ? 0 : 1);
      this.set({ source: "redis" }, s.redis === undefined ? 0 : 1);
    },
  });
}
