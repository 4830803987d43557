/** SQL for the payout API: create, read and list (changes: payout_changes.repository.ts). */
import type postgres from "postgres";
import { keysetPage, type PageQuery } from "../db/keyset_page.ts";
import type { PagePosition } from "../db/page_cursor.ts";
import type { Db } from "../db/types.ts";
import type { Payout, PayoutStatus, ShownPayout } from "./payout.ts";
import { payoutEvent } from "./payout_events.sql.ts";
import { formatAmount, type PayoutDraft } from "./payout_rules.ts";
import {
  PAYOUT_ROW_COLUMNS,
  type PayoutRow,
  SHOWN_PAYOUT_COLUMNS,
  toPayout,
  toShownPayout,
} from "./payout_row.ts";

export interface Actor {
  /** Who acted, as recorded in the audit trail (e.g. `api:<key name>` or `worker:<id>`). */
  name: string;
  apiKeyId: string | null;
}

function amountText(draft: PayoutDraft): string {
  return formatAmount(draft.amountMinor, draft.currency);
}

/**
 * Inserts the payout, its `created` event, its webhook messages and, when it may be
 * processed at once (pending and not scheduled for later), its outbox row, in one
 * statement: {@linkcode insertPayouts} for one row. Returns the payout and the outbox row to
 * delete once the job is published.
 */
export async function insertPayout(
  sql: Db,
  id: string,
  draft: PayoutDraft,
  status: "pending" | "needs_approval",
  actor: Actor,
): Promise<CreatedPayout> {
  const [created] = await insertPayouts(sql, [{ id, draft, status, actor }]);
  return created;
}

/** One payout to create: what {@linkcode insertPayout} takes, as one value. */
export interface NewPayout {
  id: string;
  draft: PayoutDraft;
  status: "pending" | "needs_approval";
  actor: Actor;
}

/** A payout as created, and the outbox row to delete once its job is published. */
export interface CreatedPayout {
  payout: Payout;
  outboxId: string | null;
}

/**
 * Inserts many payouts in one statement, hence one commit: each with its `created` event, its
 * webhook messages and, when due now, its outbox row. All or nothing: one bad row fails the
 * whole statement. Returns the created payouts in the order given.
 */
export async function insertPayouts(sql: Db, payouts: NewPayout[]): Promise<CreatedPayout[]> {
  if (payouts.length === 0) return [];
  // One jsonb parameter rather than a VALUES list: one prepared statement for every batch
  // size, and nested recipient details and nulls need no array encoding.
  const input = payouts.map(({ id, draft, status, actor }, position) => ({
    position,
    id,
    amount: amountText(draft),
    currency: draft.currency,
    recipient_details: draft.recipientDetails,
    recipient_id: draft.recipientId ?? null,
    recipient_type: draft.recipientType ?? "test",
    description: draft.description,
    status,
    scheduled_for: draft.scheduledFor?.toISOString() ?? null,
    requires_approval: draft.requiresApproval,
    api_key_id: actor.apiKeyId,
    actor: actor.name,
  }));
  const created = payoutEvent(sql, {
    type: "created",
    from: null,
    actor: sql`input.actor`,
    detail: sql`jsonb_build_object('amount', input.amount, 'currency', p.currency)
      || case when p.scheduled_for is null then '{}'::jsonb
         else jsonb_build_object('scheduled_for', p.scheduled_for) end
      || case when p.recipient_id is null then '{}'::jsonb
         else jsonb_build_object('recipient_id', p.recipient_id) end`,
    rows: sql`p join input on input.id = p.id`,
    // A batch with no payout awaiting approval leaves the second fan-out out: one insert
    // fewer to plan and run (the statement is prepared once in each form).
    webhooks: payouts.some((payout) => payout.status === "needs_approval")
      ? ["payout.created", {
        type: "payout.needs_approval",
        when: sql`p.status = 'needs_approval'`,
      }]
      : ["payout.created"],
  });
  const rows = await sql<{ id: string; created_at: Date; outbox_id: string | null }[]>`
    with input as (
      -- The clock is read once per row, in the order given (the order of arrival), for both
      -- created_at and updated_at; their defaults would read it twice. Rows read within one
      -- microsecond would tie, so each is moved on by its position: a batch's created_at
      -- strictly rises in the order of arrival, which lists and cursors follow.
      select *, clock_timestamp() + position * interval '1 microsecond' as at
      from jsonb_to_recordset(${sql.json(input)}::jsonb) as t(
        position int, id uuid, amount text, currency text, recipient_details jsonb,
        recipient_id uuid, recipient_type text, description text, status text,
        scheduled_for timestamptz, requires_approval boolean, api_key_id uuid, actor text
      )
    ), p as (
      insert into payouts (
        id, amount, currency, recipient_details, recipient_id, recipient_type, description,
        status, scheduled_for, requires_approval, api_key_id, updated_by_api_key_id,
        created_at, updated_at
      )
      select id, amount::numeric, currency, recipient_details, recipient_id, recipient_type,
        description, status, scheduled_for, requires_approval, api_key_id, api_key_id, at, at
      from input order by position
      returning ${sql(PAYOUT_ROW_COLUMNS)}
    ) ${outboxIfDue(sql)} ${created}
    -- Only what the database chose: the rest of each payout is what was inserted, so the
    -- answer need not carry (nor the API parse) every column back.
    select p.id, p.created_at, o.id as outbox_id from p left join o on o.payout_id = p.id
  `;
  const byId = new Map(rows.map((row) => [row.id, row]));
  return payouts.map((payout) => {
    const row = byId.get(payout.id);
    if (!row) throw new Error(`payout ${payout.id} missing from its insert's result`);
    return {
      payout: asInserted(payout, row.created_at),
      outboxId: row.outbox_id === null ? null : String(row.outbox_id),
    };
  });
}

/** The payout a create inserted, as a read would return it: version 1, untouched since. */
function asInserted({ id, draft, status, actor }: NewPayout, createdAt: Date): Payout {
  return {
    id,
    amountMinor: draft.amountMinor,
    currency: draft.currency,
    recipientDetails: draft.recipientDetails,
    recipientId: draft.recipientId ?? null,
    recipientType: draft.recipientType ?? "test",
    description: draft.description,
    status,
    failureReason: null,
    connector: null,
    returnReason: null,
    version: 1,
    attempts: 0,
    scheduledFor: draft.scheduledFor,
    requiresApproval: draft.requiresApproval,
    approvedAt: null,
    createdByKeyId: actor.apiKeyId,
    updatedByKeyId: actor.apiKeyId,
    createdAt,
    updatedAt: createdAt,
  };
}

/**
 * `, o as (…)`: an outbox row for each payout of `p` that a worker may take now (pending and
 * not scheduled for later), so its job is published even if the process dies after commit.
 */
export function outboxIfDue(sql: Db): postgres.Fragment {
  return sql`
    , o as (
      insert into payout_outbox (payout_id)
      select id from p
      where p.status = 'pending'
        and (p.scheduled_for is null or p.scheduled_for <= clock_timestamp())
      returning id, payout_id
    )
  `;
}

/** A payout visible through the API (canceled ones are not). */
export async function findPayout(sql: Db, id: string): Promise<Payout | undefined> {
  // `*`, not PAYOUT_ROW_COLUMNS: for one row, escaping the column list on every call costs
  // more than parsing the few extra values.
  const [row] = await sql<PayoutRow[]>`
    select * from payouts where id = ${id} and status <> 'canceled'
  `;
  return row ? toPayout(row) : undefined;
}

export interface ListQuery extends PageQuery {
  status: PayoutStatus | null;
  currency: string | null;
  /** true: only scheduled payouts; false: only unscheduled ones. */
  scheduled: boolean | null;
  /** Created at or after this instant (the console's date range). */
  createdFrom?: Date | null;
  /** Created before this instant. */
  createdBefore?: Date | null;
}

export interface PayoutPage<T> {
  payouts: T[];
  last: PagePosition | null;
  more: boolean;
}

/** One page, newest first, of the payouts the API shows (canceled ones are gone). */
export function listPayouts(sql: Db, query: ListQuery): Promise<PayoutPage<Payout>> {
  return payoutPage(sql, query, PAYOUT_ROW_COLUMNS, toPayout);
}

/** The same page with only what the API's JSON shows of each payout. */
export function listShownPayouts(sql: Db, query: ListQuery): Promise<PayoutPage<ShownPayout>> {
  return payoutPage(sql, query, SHOWN_PAYOUT_COLUMNS, toShownPayout);
}

async function payoutPage<Row extends { id: string }, T>(
  sql: Db,
  query: ListQuery,
  columns: readonly string[],
  toItem: (row: Row) => T,
): Promise<PayoutPage<T>> {
  const scheduled = query.scheduled === null
    ? sql``
    : query.scheduled
    ? sql`and scheduled_for is not null`
    : sql`and scheduled_for is null`;
  const where = sql`
    status <> 'canceled'
    ${query.status ? sql`and status = ${query.status}` : sql``}
    ${query.currency ? sql`and currency = ${query.currency}` : sql``}
    ${scheduled}
    ${query.createdFrom ? sql`and created_at >= ${query.createdFrom}` : sql``}
    ${query.createdBefore ? sql`and created_at < ${query.createdBefore}` : sql``}
  `;
  const page = await keysetPage(
    sql,
    { columns: sql`${sql(columns as string[])}`, from: sql`payouts`, where, idType: "uuid" },
    query,
    toItem,
  );
  return { payouts: page.items, last: page.last, more: page.more };
}
