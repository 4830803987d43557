/**
 * Inspection of the job queue for operators and metrics: the stream, its consumer groups
 * and consumers, pending entries, dead letters, and the database side (outbox, payouts,
 * webhook messages).
 */
import type { Redis } from "ioredis";
import type { Db } from "../db/types.ts";
import {
  countFailedWebhookMessages,
  type WebhookBacklog,
  webhookBacklog,
} from "../webhooks/backlog.repository.ts";
import { outboxBacklog } from "./outbox.repository.ts";
import { countPayoutsByStatus } from "./queue_status.repository.ts";
import {
  type ConsumerInfo,
  type GroupInfo,
  pairs,
  readConsumers,
  readGroups,
} from "./stream_info.ts";
import { PAYOUT_ID_FIELD, type StreamNames } from "./stream_names.ts";

export interface PendingSummary {
  count: number;
  oldest: { id: string; ageMs: number; idleMs: number; deliveries: number } | null;
}

export interface DeadLetter {
  id: string;
  payoutId: string | null;
  reason: string;
  /** The id the job had in the main stream. */
  entryId: string | null;
  at: string | null;
}

export interface QueueStatus {
  names: StreamNames;
  length: number;
  groups: (GroupInfo & { consumerList: ConsumerInfo[]; pendingSummary: PendingSummary })[];
  deadLetters: { count: number; latest: DeadLetter[] };
  outbox: { count: number; oldestAgeMs: number | null };
  payoutsByStatus: Record<string, number>;
  webhooks: WebhookBacklog & { failed: number };
}

/** The age of a stream entry from the millisecond time in its id. */
export function entryAgeMs(id: string, now = Date.now()): number {
  return Math.max(0, now - Number(id.split("-")[0]));
}

/** How many entries the group has delivered but not acknowledged, and the oldest of them. */
export async function readPendingSummary(
  redis: Redis,
  stream: string,
  group: string,
): Promise<PendingSummary> {
  const [count] = await redis.xpending(stream, group) as [number, ...unknown[]];
  if (Number(count) === 0) return { count: 0, oldest: null };
  const [first] = await redis.xpending(stream, group, "-", "+", 1) as [
    string,
    string,
    number,
    number,
  ][];
  if (!first) return { count: Number(count), oldest: null };
  const [id, , idleMs, deliveries] = first;
  return {
    count: Number(count),
    oldest: { id, ageMs: entryAgeMs(id), idleMs: Number(idleMs), deliveries: Number(deliveries) },
  };
}

function toDeadLetter([id, fields]: [string, string[]]): DeadLetter {
  const record = pairs(fields);
  const text = (key: string) => (record[key] === undefined ? null : String(record[key]));
  return {
    id,
    payoutId: text(PAYOUT_ID_FIELD) || null,
    reason: text("reason") ?? "",
    entryId: text("entry_id"),
    at: text("at"),
  };
}

/** The newest `count` dead letters, newest first. */
export async function latestDeadLetters(
  redis: Redis,
  names: StreamNames,
  count: number,
): Promise<DeadLetter[]> {
  const raw = await redis.xrevrange(names.deadLetter, "+", "-", "COUNT", count);
  return raw.map(toDeadLetter);
}

/** Dead letters in id order, starting after `afterId` (exclusive), at most `count`. */
export async function deadLettersAfter(
  redis: Redis,
  names: StreamNames,
  afterId: string | null,
  count: number,
): Promise<DeadLetter[]> {
  const raw = await redis.xrange(
    names.deadLetter,
    afterId ? `(${afterId}` : "-",
    "+",
    "COUNT",
    count,
  );
  return raw.map(toDeadLetter);
}

/** One dead letter by its id, or undefined when it is not (or no longer) there. */
export async function findDeadLetter(
  redis: Redis,
  names: StreamNames,
  id: string,
): Promise<DeadLetter | undefined> {
  const [entry] = await redis.xrange(names.deadLetter, id, id);
  return entry ? toDeadLetter(entry) : undefined;
}

/** Everything `deno task queue status` shows. */
export async function readQueueStatus(
  deps: { sql: Db; redis: Redis; names: StreamNames },
  options: { latestDeadLetters: number } = { latestDeadLetters: 5 },
): Promise<QueueStatus> {
  const { sql, redis, names } = deps;
  const [length, deadCount, groups, latest, outbox, payoutsByStatus, webhooks, failedWebhooks] =
    await Promise.all([
      redis.xlen(names.stream),
      redis.xlen(names.deadLetter),
      readGroups(redis, names),
      latestDeadLetters(redis, names, options.latestDeadLetters),
      outboxBacklog(sql),
      countPayoutsByStatus(sql),
      webhookBacklog(sql),
      countFailedWebhookMessages(sql),
    ]);
  const detailed = await Promise.all(groups.map(async (group) => ({
    ...group,
    consumerList: await readConsumers(redis, names.stream, group.name),
    pendingSummary: await readPendingSummary(redis, names.stream, group.name),
  })));
  return {
    names,
    length,
    groups: detailed,
    deadLetters: { count: deadCount, latest },
    outbox,
    payoutsByStatus,
    webhooks: { ...webhooks, failed: failedWebhooks },
  };
}
