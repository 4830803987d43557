/** SQL for the payout API: create, read, list, change and cancel. */
import type { JSONValue } from "postgres";
import type { Db } from "../db/types.ts";
import type { Payout, PayoutStatus } from "./payout.ts";
import { formatAmount, type PayoutDraft } from "./payout_rules.ts";
import { type PayoutRow, toPayout } from "./payout_row.ts";
import { webhookFanout } from "../webhooks/fanout.ts";

export interface Actor {
  /** Who acted, as recorded in the audit trail (e.g. `api:<key name>` or `worker:<id>`). */
  name: string;
  apiKeyId: string | null;
}

function amountText(draft: PayoutDraft): string {
  return formatAmount(draft.amountMinor, draft.currency);
}

/**
 * Inserts the payout, its `created` event, its outbox row and its webhook messages in one
 * statement, hence one
 * transaction. Returns the payout and the outbox row to delete once the job is published.
 */
export async function insertPayout(
  sql: Db,
  id: string,
  draft: PayoutDraft,
  actor: Actor,
): Promise<{ payout: Payout; outboxId: string }> {
  const amount = amountText(draft);
  const [row] = await sql<(PayoutRow & { outbox_id: string })[]>`
    with p as (
      insert into payouts (id, amount, currency, recipient_details, description, api_key_id)
      values (
        ${id}, ${amount}, ${draft.currency}, ${sql.json(draft.recipientDetails)},
        ${draft.description}, ${actor.apiKeyId}
      )
      returning *
    ), e as (
      insert into payout_events (payout_id, type, to_status, actor, detail)
      select id, 'created', 'pending', ${actor.name},
        jsonb_build_object('amount', ${amount}::text, 'currency', currency)
      from p
    ), o as (
      insert into payout_outbox (payout_id) select id from p returning id
    ) ${webhookFanout(sql, "payout.created")}
    select p.*, o.id as outbox_id from p, o
  `;
  return { payout: toPayout(row), outboxId: String(row.outbox_id) };
}

/** A payout visible through the API (canceled ones are not). */
export async function findPayout(sql: Db, id: string): Promise<Payout | undefined> {
  const [row] = await sql<PayoutRow[]>`
    select * from payouts where id = ${id} and status <> 'canceled'
  `;
  return row ? toPayout(row) : undefined;
}

/** Position in the newest-first order: creation time in microseconds, then id. */
export interface ListPosition {
  createdMicros: string;
  id: string;
}

export interface ListQuery {
  limit: number;
  after: ListPosition | null;
  status: PayoutStatus | null;
  currency: string | null;
}

/** One page, newest first, plus the position of its last item. */
export async function listPayouts(
  sql: Db,
  query: ListQuery,
): Promise<{ payouts: Payout[]; last: ListPosition | null; more: boolean }> {
  const after = query.after;
  const rows = await sql<(PayoutRow & { created_micros: string })[]>`
    select *, (extract(epoch from created_at) * 1000000)::bigint as created_micros
    from payouts
    where status <> 'canceled'
      ${query.status ? sql`and status = ${query.status}` : sql``}
      ${query.currency ? sql`and currency = ${query.currency}` : sql``}
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

/**
 * Writes the new values of a pending payout, bumping its version, if it is still pending
 * at `version`: the database, not the earlier read, decides. Records an `updated` event.
 */
export async function updatePendingPayout(
  sql: Db,
  id: string,
  version: number,
  draft: PayoutDraft,
  changes: Record<string, unknown>,
  actor: Actor,
): Promise<Payout | undefined> {
  const [row] = await sql<PayoutRow[]>`
    with p as (
      update payouts set
        amount = ${amountText(draft)},
        currency = ${draft.currency},
        recipient_details = ${sql.json(draft.recipientDetails)},
        description = ${draft.description},
        version = version + 1,
        updated_at = clock_timestamp()
      where id = ${id} and status = 'pending' and version = ${version}
      returning *
    ), e as (
      insert into payout_events (payout_id, type, from_status, to_status, actor, detail)
      select id, 'updated', 'pending', 'pending', ${actor.name}, ${
    sql.json({ changes } as JSONValue)
  }
      from p
    ) ${webhookFanout(sql, "payout.updated")}
    select * from p
  `;
  return row ? toPayout(row) : undefined;
}

/**
 * Cancels a payout if it is still pending (and at one of `versions`, when given). The row
 * stays for audit; a `canceled` event is recorded. Returns whether it was canceled.
 */
export async function cancelPendingPayout(
  sql: Db,
  id: string,
  versions: number[] | null,
  actor: Actor,
): Promise<boolean> {
  const rows = await sql`
    with p as (
      update payouts set status = 'canceled', version = version + 1,
        updated_at = clock_timestamp()
      where id = ${id} and status = 'pending'
        ${versions ? sql`and version = any(${versions}::int[])` : sql``}
      returning *
    ), e as (
      insert into payout_events (payout_id, type, from_status, to_status, actor)
      select id, 'canceled', 'pending', 'canceled', ${actor.name} from p
    ) ${webhookFanout(sql, "payout.canceled")}
    select id from p
  `;
  return rows.length === 1;
}
