/** SQL for the reconciler: unfinished payouts whose job the stream may have lost. */
import type { Db } from "../db/types.ts";

/**
 * Claims up to `limit` unfinished payouts last enqueued before `before`, not leased by a
 * live worker and not submitted to a connector that answers later, stamping them as
 * enqueued now. SKIP LOCKED keeps concurrent reconcilers apart.
 */
export async function claimLostPayouts(sql: Db, before: Date, limit: number): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    update payouts set enqueued_at = clock_timestamp()
    where id in (
      select id from payouts
      where status in ('pending', 'processing')
        -- Submitted to a connector that answers later (a bank): no job to re-enqueue.
        and submitted_at is null
        and enqueued_at < ${before}
        -- Not yet due: the due-payout scanner enqueues it when its time comes.
        and (scheduled_for is null or scheduled_for <= clock_timestamp())
        and (lease_until is null or lease_until < clock_timestamp())
        and not exists (select 1 from payout_outbox o where o.payout_id = payouts.id)
      order by enqueued_at
      limit ${limit}
      for update skip locked
    )
    returning id
  `;
  return rows.map((row) => row.id);
}

/** Records that jobs for these payouts were just appended to the stream. */
export async function markEnqueued(sql: Db, payoutIds: string[]): Promise<void> {
  if (payoutIds.length === 0) return;
  await sql`
    update payouts set enqueued_at = clock_timestamp() where id = any(${payoutIds}::uuid[])
  `;
}
