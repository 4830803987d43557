/** Keeping the stream bounded and the consumer group tidy. */
import type { Redis } from "ioredis";
import { readConsumers, readGroups } from "./stream_info.ts";
import type { StreamNames } from "./stream_names.ts";

/**
 * Trims entries that every group has delivered and acknowledged: everything below the
 * oldest pending entry, up to and including the last delivered one. Pending or undelivered
 * entries are never dropped. Returns how many entries were removed.
 */
export async function trimAcknowledged(redis: Redis, names: StreamNames): Promise<number> {
  const groups = await readGroups(redis, names);
  if (groups.length === 0) return 0;
  let minId: string | undefined;
  for (const group of groups) {
    const summary = await redis.xpending(names.stream, group.name) as [
      number,
      string | null,
      string | null,
      unknown,
    ];
    const lastDelivered = group.lastDeliveredId;
    // With nothing pending the last delivered entry goes too, so an idle stream ends up
    // empty: the reconciler dates lost jobs by the oldest entry, and a stale one left behind
    // after a Redis restart would hide the jobs that restart lost.
    const keepFrom = summary[0] > 0 && summary[1]
      ? summary[1]
      : lastDelivered === "0-0"
      ? lastDelivered
      : nextId(lastDelivered);
    if (minId === undefined || compareIds(keepFrom, minId) < 0) minId = keepFrom;
  }
  if (!minId || minId === "0-0") return 0;
  return Number(await redis.xtrim(names.stream, "MINID", minId));
}

/** The smallest stream id after `id`. */
function nextId(id: string): string {
  const [ms, seq] = id.split("-").map(BigInt);
  return `${ms}-${seq + 1n}`;
}

/** Orders stream ids ("ms-seq") numerically. */
export function compareIds(a: string, b: string): number {
  const [am, as] = a.split("-").map(BigInt);
  const [bm, bs] = b.split("-").map(BigInt);
  return am !== bm ? (am < bm ? -1 : 1) : as === bs ? 0 : as < bs ? -1 : 1;
}

/**
 * Deletes consumers that hold no pending entries and have been idle longer than
 * `idleMs`: the names of worker processes that are gone. Returns their names.
 */
export async function removeIdleConsumers(
  redis: Redis,
  names: StreamNames,
  idleMs: number,
  except: string,
): Promise<string[]> {
  const consumers = await readConsumers(redis, names.stream, names.group);
  const removed: string[] = [];
  for (const { name, pending, idleMs: idle } of consumers) {
    if (name === except || pending > 0 || idle < idleMs) continue;
    await redis.xgroup("DELCONSUMER", names.stream, names.group, name);
    removed.push(name);
  }
  return removed;
}

/** The creation time (ms) of the oldest entry still in the stream, or undefined if empty. */
export async function oldestEntryMs(redis: Redis, names: StreamNames): Promise<number | undefined> {
  const [first] = await redis.xrange(names.stream, "-", "+", "COUNT", 1);
  return first ? Number(first[0].split("-")[0]) : undefined;
}
