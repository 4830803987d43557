/**
 * Inspection of the job queue for operators and metrics: the stream, its consumer groups
 * and consumers, pending entries, dead letters, and the database side (outbox, payouts).
 */
import type { Redis } from "ioredis";
import type { Db } from "../db/types.ts";
import { countPayoutsByStatus, outboxBacklog } from "./queue_status.repository.ts";
import { PAYOUT_ID_FIELD, type StreamNames } from "./stream_names.ts";

export interface GroupInfo {
  name: string;
  consumers: number;
  pending: number;
  /** Entries not yet delivered to the group; null when Redis cannot tell. */
  lag: number | null;
  lastDeliveredId: string;
}

export interface ConsumerInfo {
  name: string;
  pending: number;
  idleMs: number;
}

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
}

function pairs(flat: unknown[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) record[String(flat[i])] = flat[i + 1];
  return record;
}

const isNoSuchKey = (error: unknown) =>
  error instanceof Error && /no such key/i.test(error.message);

/** The age of a stream entry from the millisecond time in its id. */
export function entryAgeMs(id: string, now = Date.now()): number {
  return Math.max(0, now - Number(id.split("-")[0]));
}

/** The consumer groups of the job stream; none when the stream does not exist yet. */
export async function readGroups(redis: Redis, names: StreamNames): Promise<GroupInfo[]> {
  let raw: unknown[][];
  try {
    raw = await redis.xinfo("GROUPS", names.stream) as unknown[][];
  } catch (error) {
    if (isNoSuchKey(error)) return [];
    throw error;
  }
  return raw.map(pairs).map((group) => ({
    name: String(group.name),
    consumers: Number(group.consumers),
    pending: Number(group.pending),
    lag: group.lag === null || group.lag === undefined ? null : Number(group.lag),
    lastDeliveredId: String(group["last-delivered-id"]),
  }));
}

/** The consumers of one group with their pending counts and idle times. */
export async function readConsumers(
  redis: Redis,
  stream: string,
  group: string,
): Promise<ConsumerInfo[]> {
  const raw = await redis.xinfo("CONSUMERS", stream, group) as unknown[][];
  return raw.map(pairs).map((consumer) => ({
    name: String(consumer.name),
    pending: Number(consumer.pending),
    idleMs: Number(consumer.idle),
  }));
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
  const [length, deadCount, groups, latest, outbox, payoutsByStatus] = await Promise.all([
    redis.xlen(names.stream),
    redis.xlen(names.deadLetter),
    readGroups(redis, names),
    latestDeadLetters(redis, names, options.latestDeadLetters),
    outboxBacklog(sql),
    countPayoutsByStatus(sql),
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
  };
}
