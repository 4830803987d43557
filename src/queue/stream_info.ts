/**
 * Reading the stream's consumer groups and consumers (XINFO) and its pending entries
 * (XPENDING), for maintenance and status.
 */
import type { Redis } from "ioredis";
import type { StreamNames } from "./stream_names.ts";

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

/** A flat Redis reply `[field, value, field, value, …]` as a record. */
export function pairs(flat: unknown[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) record[String(flat[i])] = flat[i + 1];
  return record;
}

const isNoSuchKey = (error: unknown) =>
  error instanceof Error && /no such key/i.test(error.message);

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

export interface PendingSummary {
  count: number;
  oldest: { id: string; ageMs: number; idleMs: number; deliveries: number } | null;
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
