/**
 * The outbox relay: publishes jobs whose payouts committed but whose XADD never happened
 * (Redis down, or the API died between commit and XADD). Any number of processes may run
 * it at once: rows are locked with SKIP LOCKED for the length of one transaction.
 */
import type { Pool } from "../db/types.ts";
import { deleteOutboxRows, lockStaleOutboxRows } from "./outbox.repository.ts";
import { markEnqueued } from "./reconcile.repository.ts";
import type { StreamProducer } from "./producer.ts";

const BATCH = 500;

/** Publishes one batch of stale outbox rows; returns how many jobs it published. */
export async function relayOutboxOnce(
  sql: Pool,
  producer: StreamProducer,
  minAgeMs: number,
): Promise<number> {
  return await sql.begin(async (tx) => {
    const rows = await lockStaleOutboxRows(tx, minAgeMs, BATCH);
    if (rows.length === 0) return 0;
    const payoutIds = rows.map((row) => row.payoutId);
    // If Redis refuses, the transaction rolls back and the rows wait for the next round.
    await producer.append(payoutIds);
    await deleteOutboxRows(tx, rows.map((row) => row.id));
    await markEnqueued(tx, payoutIds);
    return rows.length;
  });
}
