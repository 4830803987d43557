/**
 * The due-payout scanner: Postgres, not Redis, decides when a scheduled payout is due, so a
 * Redis wipe loses no timer. Every worker runs it; rows are shared out with SKIP LOCKED.
 */
import type { Pool } from "../db/types.ts";
import type { Logger } from "../log.ts";
import { sleep } from "../runtime/sleep.ts";
import { lockDuePayouts } from "./due_payouts.repository.ts";
import type { StreamProducer } from "./producer.ts";

const BATCH = 500;

/** Enqueues one batch of due payouts; returns how many. Throws if Postgres or Redis fails. */
export async function enqueueDuePayoutsOnce(sql: Pool, producer: StreamProducer): Promise<number> {
  return await sql.begin(async (tx) => {
    const ids = await lockDuePayouts(tx, BATCH);
    // If Redis refuses, the transaction rolls back and the payouts wait for the next round.
    await producer.append(ids);
    return ids.length;
  });
}

/** Scans every `intervalMs` (at once again after a full batch) until `signal` aborts. */
export async function runDueScanner(
  deps: { sql: Pool; producer: StreamProducer; log: Logger },
  intervalMs: number,
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    let count = 0;
    try {
      count = await enqueueDuePayoutsOnce(deps.sql, deps.producer);
      if (count > 0) deps.log.info("scheduled payouts due", { count });
    } catch (error) {
      deps.log.warn("due-payout scan failed; retrying", {
        error: error instanceof Error ? error.message : String(error),
      });
    }
    if (count < BATCH && !(await sleep(intervalMs, signal))) return;
  }
}
