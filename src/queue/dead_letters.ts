/**
 * Reading the dead-letter stream: the jobs the workers gave up on, with why, for
 * `deno task queue`, the console's queue page and requeueing.
 */
import type { Redis } from "ioredis";
import { pairs } from "./stream_info.ts";
import { PAYOUT_ID_FIELD, type StreamNames } from "./stream_names.ts";

export interface DeadLetter {
  id: string;
  payoutId: string | null;
  reason: string;
  /** The id the job had in the main stream. */
  entryId: string | null;
  at: string | null;
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

/** How many dead letters there are, and the newest `count` of them, newest first. */
export async function readDeadLetters(
  redis: Redis,
  names: StreamNames,
  count: number,
): Promise<{ count: number; latest: DeadLetter[] }> {
  const [total, latest] = await Promise.all([
    redis.xlen(names.deadLetter),
    latestDeadLetters(redis, names, count),
  ]);
  return { count: total, latest };
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
