/** The Redis Stream operations of the worker side: group, reads, acks, claims, dead letters. */
import type { Redis } from "ioredis";
import { PAYOUT_ID_FIELD, type StreamNames } from "./stream_names.ts";

export interface StreamEntry {
  id: string;
  /** Null when the entry's payload is gone (trimmed) but its id was still pending. */
  payoutId: string | null;
}

type RawEntry = [id: string, fields: string[] | null];

function toEntry([id, fields]: RawEntry): StreamEntry {
  if (!fields) return { id, payoutId: null };
  const index = fields.indexOf(PAYOUT_ID_FIELD);
  return { id, payoutId: index >= 0 && index % 2 === 0 ? fields[index + 1] ?? null : null };
}

/** Creates the consumer group (and the stream) if missing. */
export async function ensureGroup(redis: Redis, names: StreamNames): Promise<void> {
  try {
    await redis.xgroup("CREATE", names.stream, names.group, "0", "MKSTREAM");
  } catch (error) {
    if (!(error instanceof Error && error.message.startsWith("BUSYGROUP"))) throw error;
  }
}

/**
 * Reads up to `count` entries for `consumer`: with an entry id ("0" to start) its own
 * pending entries after that id (immediately), with ">" new ones, blocking at most `blockMs`.
 */
export async function readEntries(
  redis: Redis,
  names: StreamNames,
  consumer: string,
  id: string,
  count: number,
  blockMs: number,
): Promise<StreamEntry[]> {
  const reply = await redis.xreadgroup(
    "GROUP",
    names.group,
    consumer,
    "COUNT",
    count,
    "BLOCK",
    blockMs,
    "STREAMS",
    names.stream,
    id,
  ) as [string, RawEntry[]][] | null;
  return reply?.[0]?.[1].map(toEntry) ?? [];
}

/** Acknowledges entries in one command. */
export async function ackEntries(redis: Redis, names: StreamNames, ids: string[]) {
  if (ids.length > 0) await redis.xack(names.stream, names.group, ...ids);
}

/**
 * Claims entries idle longer than `minIdleMs` from any consumer, starting at `cursor`.
 * Returns them with their delivery counts and the cursor to continue from ("0-0" at the end).
 */
export async function autoClaim(
  redis: Redis,
  names: StreamNames,
  consumer: string,
  minIdleMs: number,
  cursor: string,
  count: number,
): Promise<{ next: string; entries: (StreamEntry & { deliveries: number })[] }> {
  const [next, raw] = await redis.xautoclaim(
    names.stream,
    names.group,
    consumer,
    minIdleMs,
    cursor,
    "COUNT",
    count,
  ) as [string, RawEntry[]];
  const entries = raw.map(toEntry);
  if (entries.length === 0) return { next, entries: [] };
  const pending = await redis.xpending(
    names.stream,
    names.group,
    entries[0].id,
    entries.at(-1)!.id,
    entries.length * 2,
    consumer,
  ) as [string, string, number, number][];
  const deliveries = new Map(pending.map(([id, , , times]) => [id, times]));
  return {
    next,
    entries: entries.map((entry) => ({ ...entry, deliveries: deliveries.get(entry.id) ?? 1 })),
  };
}

/** Resets an entry's idle time without counting a delivery, so no one claims a live job. */
export async function keepAlive(redis: Redis, names: StreamNames, consumer: string, id: string) {
  await redis.xclaim(names.stream, names.group, consumer, 0, id, "JUSTID");
}

/** Moves an entry to the dead-letter stream and acknowledges it, atomically. */
export async function deadLetter(
  redis: Redis,
  names: StreamNames,
  entry: StreamEntry,
  reason: string,
  maxLen: number,
): Promise<void> {
  const results = await redis.multi()
    .xadd(
      names.deadLetter,
      "MAXLEN",
      "~",
      maxLen,
      "*",
      PAYOUT_ID_FIELD,
      entry.payoutId ?? "",
      "reason",
      reason,
      "entry_id",
      entry.id,
      "at",
      new Date().toISOString(),
    )
    .xack(names.stream, names.group, entry.id)
    .exec();
  const failed = results?.find(([error]) => error);
  if (!results || failed) throw failed?.[0] ?? new Error("dead-letter transaction aborted");
}
