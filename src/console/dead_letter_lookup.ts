/**
 * Dead letters as the console shows them: with whether their payout failed for good, and
 * found by payout for a failed payout's page. The dead-letter stream is keyed by time
 * only, so a payout's entry is looked for around the moment the payout last changed (the
 * worker dead-letters a job right after it marks the payout failed).
 */
import type { Redis } from "ioredis";
import type { Db } from "../db/types.ts";
import { isUuid } from "../ids.ts";
import { type DeadLetter, deadLettersAfter } from "../queue/dead_letters.ts";
import type { StreamNames } from "../queue/stream_names.ts";
import { permanentlyFailed } from "./permanent_failures.repository.ts";

/** A dead letter, and whether its payout's latest failure was a permanent provider error. */
export interface ShownDeadLetter extends DeadLetter {
  permanent: boolean;
}

const BEFORE_MS = 5 * 60_000;
const AFTER_MS = 60 * 60_000;
const BATCH = 200;
/** Bounds the walk when thousands of jobs were dead-lettered within the window. */
const MAX_SCANNED = 10_000;

/** Marks each dead letter whose payout failed permanently. */
export async function withPermanence(sql: Db, entries: DeadLetter[]): Promise<ShownDeadLetter[]> {
  const ids = [
    ...new Set(entries.map((entry) => entry.payoutId?.toLowerCase()).filter(isUuidText)),
  ];
  const permanent = await permanentlyFailed(sql, ids);
  return entries.map((entry) => ({
    ...entry,
    permanent: permanent.has(entry.payoutId?.toLowerCase() ?? ""),
  }));
}

function isUuidText(id: string | undefined): id is string {
  return id !== undefined && isUuid(id);
}

/** The newest dead letter of `payoutId` written near `changedAt`; undefined when none. */
export async function findDeadLetterOf(
  redis: Redis,
  names: StreamNames,
  payoutId: string,
  changedAt: Date,
): Promise<DeadLetter | undefined> {
  const until = changedAt.getTime() + AFTER_MS;
  let after: string | null = `${Math.max(0, changedAt.getTime() - BEFORE_MS)}-0`;
  let found: DeadLetter | undefined;
  for (let scanned = 0; scanned < MAX_SCANNED; scanned += BATCH) {
    const batch = await deadLettersAfter(redis, names, after, BATCH);
    for (const entry of batch) {
      if (Number(entry.id.split("-")[0]) > until) return found;
      if (entry.payoutId?.toLowerCase() === payoutId) found = entry;
    }
    if (batch.length < BATCH) return found;
    after = batch.at(-1)!.id;
  }
  return found;
}
