/** SQL for inspecting the queue's database side: the outbox and payouts by status. */
import type { Db } from "../db/types.ts";

/** How many jobs wait in the outbox to be published, and the age of the oldest. */
export async function outboxBacklog(
  sql: Db,
): Promise<{ count: number; oldestAgeMs: number | null }> {
  const [row] = await sql<{ count: number; oldest_age_ms: number | null }[]>`
    select count(*)::int as count,
      (extract(epoch from clock_timestamp() - min(created_at)) * 1000)::float8 as oldest_age_ms
    from payout_outbox
  `;
  return { count: row.count, oldestAgeMs: row.oldest_age_ms };
}

/** The number of payouts in each status (canceled included); statuses with none are absent. */
export async function countPayoutsByStatus(sql: Db): Promise<Record<string, number>> {
  const rows = await sql<{ status: string; count: number }[]>`
    select status, count(*)::int as count from payouts group by status order by status
  `;
  return Object.fromEntries(rows.map((row) => [row.status, row.count]));
}
