/** SQL for the console's payout list: the API's filters plus a creation date range. */
import type { Db } from "../db/types.ts";
import type { Payout, PayoutStatus } from "../payouts/payout.ts";
import { type PayoutRow, toPayout } from "../payouts/payout_row.ts";
import type { ListPosition } from "../payouts/payouts.repository.ts";

export interface ConsolePayoutQuery {
  limit: number;
  after: ListPosition | null;
  status: PayoutStatus | null;
  currency: string | null;
  /** Created at or after this instant. */
  createdFrom: Date | null;
  /** Created before this instant. */
  createdBefore: Date | null;
}

/** One page, newest first, of the payouts the API shows (canceled ones are gone). */
export async function listConsolePayouts(
  sql: Db,
  query: ConsolePayoutQuery,
): Promise<{ payouts: Payout[]; last: ListPosition | null; more: boolean }> {
  const after = query.after;
  const rows = await sql<(PayoutRow & { created_micros: string })[]>`
    select *, (extract(epoch from created_at) * 1000000)::bigint as created_micros
    from payouts
    where status <> 'canceled'
      ${query.status ? sql`and status = ${query.status}` : sql``}
      ${query.currency ? sql`and currency = ${query.currency}` : sql``}
      ${query.createdFrom ? sql`and created_at >= ${query.createdFrom}` : sql``}
      ${query.createdBefore ? sql`and created_at < ${query.createdBefore}` : sql``}
      ${
    after
      ? sql`and (created_at, id) < (
              'epoch'::timestamptz + ${after.createdMicros}::bigint * interval '1 microsecond',
              ${after.id}::uuid
            )`
      : sql``
  }
    order by created_at desc, id desc
    limit ${query.limit + 1}
  `;
  const more = rows.length > query.limit;
  const page = more ? rows.slice(0, query.limit) : rows;
  const tail = page.at(-1);
  return {
    payouts: page.map(toPayout),
    last: tail ? { createdMicros: String(tail.created_micros), id: tail.id } : null,
    more,
  };
}
