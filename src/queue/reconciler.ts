/**
 * The reconciler: re-enqueues unfinished payouts whose job the stream no longer holds
 * (Redis restarted without persistence, or a stream was deleted). A payout's job can only
 * be missing if every entry still in the stream is younger than its last enqueue, so only
 * those payouts are re-enqueued, with a margin for clock differences.
 */
import type { Redis } from "ioredis";
import type { Pool } from "../db/types.ts";
import type { StreamProducer } from "./producer.ts";
import { claimLostPayouts } from "./reconcile.repository.ts";
import { oldestEntryMs } from "./stream_maintenance.ts";
import type { StreamNames } from "./stream_names.ts";

const BATCH = 1000;

/** Re-enqueues one batch of lost payouts; returns how many. */
export async function reconcileOnce(
  sql: Pool,
  redis: Redis,
  names: StreamNames,
  producer: StreamProducer,
  staleMs: number,
): Promise<number> {
  const oldest = await oldestEntryMs(redis, names) ?? Date.now();
  const before = new Date(Math.min(oldest, Date.now()) - staleMs);
  return await sql.begin(async (tx) => {
    const ids = await claimLostPayouts(tx, before, BATCH);
    // If Redis refuses, the transaction rolls back and the payouts are tried next round.
    await producer.append(ids);
    return ids.length;
  });
}
