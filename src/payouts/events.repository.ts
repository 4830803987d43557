/** SQL for reading a payout's audit trail. */
import type { Db } from "../db/types.ts";
import type { PayoutEvent } from "./payout.ts";

/** The events of a payout, oldest first. */
export async function listPayoutEvents(sql: Db, payoutId: string): Promise<PayoutEvent[]> {
  const rows = await sql<
    {
      type: PayoutEvent["type"];
      from_status: PayoutEvent["fromStatus"];
      to_status: PayoutEvent["toStatus"];
      actor: string;
      at: Date;
      detail: Record<string, unknown>;
    }[]
  >`
    select type, from_status, to_status, actor, at, detail
    from payout_events where payout_id = ${payoutId}
    order by id
  `;
  return rows.map((row) => ({
    type: row.type,
    fromStatus: row.from_status,
    toStatus: row.to_status,
    actor: row.actor,
    at: row.at,
    detail: row.detail,
  }));
}
