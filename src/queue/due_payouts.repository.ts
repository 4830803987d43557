/** SQL for the due-payout scanner: scheduled payouts whose time has come. */
import type { Db } from "../db/types.ts";

/**
 * Locks up to `limit` pending payouts whose `scheduled_for` has passed and that have not
 * been enqueued since, stamping them as enqueued now. Must run inside a transaction: the
 * locks (SKIP LOCKED keeps concurrent scanners apart) and the stamp last until it ends, so
 * a failed publish rolls the stamp back and the next round tries again.
 */
export async function lockDuePayouts(sql: Db, limit: number): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    update payouts set enqueued_at = clock_timestamp()
    where id in (
      select id from payouts
      where status = 'pending' and scheduled_for <= clock_timestamp()
        and enqueued_at < scheduled_for
      order by scheduled_for
      limit ${limit}
      for update skip locked
    )
    returning id
  `;
  return rows.map((row) => row.id);
}
