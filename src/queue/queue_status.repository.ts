/** SQL for inspecting the database side of the queue: payouts by status. */
import type { Db } from "../db/types.ts";

/** The number of payouts in each status (canceled included); statuses with none are absent. */
export async function countPayoutsByStatus(sql: Db): Promise<Record<string, number>> {
  const rows = await sql<{ status: string; count: number }[]>`
    select status, count(*)::int as count from payouts group by status order by status
  `;
  return Object.fromEntries(rows.map((row) => [row.status, row.count]));
}
