/**
 * SQL counting payouts, for operators (the console's overview, `deno task queue status`):
 * by status, and created and completed per minute.
 */
import type { Db } from "../db/types.ts";

/**
 * The number of payouts in each status (canceled included); statuses with none are absent.
 * Counts every payout: for an operator's look, not for every metrics scrape.
 */
export async function countPayoutsByStatus(sql: Db): Promise<Record<string, number>> {
  const rows = await sql<{ status: string; count: number }[]>`
    select status, count(*)::int as count from payouts group by status order by status
  `;
  return Object.fromEntries(rows.map((row) => [row.status, row.count]));
}

export interface MinuteCounts {
  /** The start of the minute (UTC). */
  minute: Date;
  created: number;
  completed: number;
}

/**
 * Payouts created and completed in each of the last `minutes` minutes, the current one
 * last, zeros included. Canceled payouts are left out of `created` (they left the API);
 * each count reads only its partial index's last hour.
 */
export async function throughputPerMinute(sql: Db, minutes: number): Promise<MinuteCounts[]> {
  const rows = await sql<{ minute: Date; created: number; completed: number }[]>`
    with bounds as (
      select date_trunc('minute', clock_timestamp()) - (${minutes - 1} * interval '1 minute')
        as since
    ), slots as (
      select generate_series(since, since + (${minutes - 1} * interval '1 minute'),
        interval '1 minute') as minute
      from bounds
    ), created as (
      select date_trunc('minute', created_at) as minute, count(*)::int as n
      from payouts, bounds
      where status <> 'canceled' and created_at >= bounds.since
      group by 1
    ), completed as (
      select date_trunc('minute', updated_at) as minute, count(*)::int as n
      from payouts, bounds
      where status = 'completed' and updated_at >= bounds.since
      group by 1
    )
    select slots.minute, coalesce(created.n, 0) as created, coalesce(completed.n, 0) as completed
    from slots
    left join created using (minute)
    left join completed using (minute)
    order by slots.minute
  `;
  return rows.map((row) => ({
    minute: row.minute,
    created: row.created,
    completed: row.completed,
  }));
}
