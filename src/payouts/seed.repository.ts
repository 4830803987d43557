/** SQL for bulk-loading sample payouts (`deno task seed`). */
import type { Db } from "../db/types.ts";

/** One sample payout, its amount already formatted with the currency's fraction digits. */
export interface SeedPayout {
  id: string;
  amount: string;
  currency: string;
  recipientDetails: Record<string, string>;
  description: string;
}

/**
 * Inserts a batch of pending payouts with their `created` events and outbox rows in one
 * statement, so the batch commits whole or not at all, and the outbox covers the window
 * between commit and XADD exactly as it does for the API. Arrays are passed through
 * `unnest`, so a batch of any size is five parameters. Returns the outbox row ids.
 */
export async function insertSeedPayouts(
  sql: Db,
  payouts: SeedPayout[],
  actor: string,
): Promise<string[]> {
  if (payouts.length === 0) return [];
  const rows = await sql<{ id: string }[]>`
    with input as (
      select * from unnest(
        ${payouts.map((p) => p.id)}::uuid[],
        ${payouts.map((p) => p.amount)}::text[],
        ${payouts.map((p) => p.currency)}::text[],
        ${payouts.map((p) => JSON.stringify(p.recipientDetails))}::text[],
        ${payouts.map((p) => p.description)}::text[]
      ) as t(id, amount, currency, recipient_details, description)
    ), p as (
      insert into payouts (id, amount, currency, recipient_details, description)
      select id, amount::numeric, currency, recipient_details::jsonb, description from input
      returning id
    ), e as (
      insert into payout_events (payout_id, type, to_status, actor, detail)
      select input.id, 'created', 'pending', ${actor},
        jsonb_build_object('amount', input.amount, 'currency', input.currency)
      from input join p using (id)
    )
    insert into payout_outbox (payout_id) select id from p
    returning id
  `;
  return rows.map((row) => String(row.id));
}
