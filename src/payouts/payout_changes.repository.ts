/**
 * SQL for changing payouts through the API: PATCH, cancel, approve and reject. Each is one
 * conditional statement that also appends the audit event and the webhook messages, so
 * races with workers and with each other are decided by the database.
 */
import type postgres from "postgres";
import type { Db } from "../db/types.ts";
import type { Payout } from "./payout.ts";
import { lockedForChange, payoutEvent } from "./payout_events.sql.ts";
import { formatAmount, type PayoutDraft } from "./payout_rules.ts";
import { type PayoutRow, toPayout } from "./payout_row.ts";
import { type Actor, outboxIfDue } from "./payouts.repository.ts";

/** The statuses in which a payout may still be changed or canceled. */
export type OpenStatus = "pending" | "needs_approval";

/** A changed payout and, when it may now be processed at once, its outbox row. */
export interface Changed {
  payout: Payout;
  outboxId: string | null;
}

/**
 * Runs `update` (an `update … returning *` of one payout) as the statement's `p`, with the
 * change's `event` and an outbox row when the result may be processed now.
 */
async function changeAndEnqueue(
  sql: Db,
  update: postgres.Fragment,
  event: postgres.Fragment,
): Promise<Changed | undefined> {
  const [row] = await sql<(PayoutRow & { outbox_id: string | null })[]>`
    with p as (${update}) ${outboxIfDue(sql)} ${event}
    select p.*, o.id as outbox_id from p left join o on true
  `;
  return row
    ? { payout: toPayout(row), outboxId: row.outbox_id === null ? null : String(row.outbox_id) }
    : undefined;
}

/**
 * Writes the new values of a payout if it is still in `from` at `version`, moving it to
 * `to` (a PATCH can make a payout need approval again). Records an `updated` event; an
 * outbox row when the result may be processed now (a new schedule, or none any more).
 */
export async function updateOpenPayout(
  sql: Db,
  target: { id: string; version: number; from: OpenStatus; to: OpenStatus },
  draft: PayoutDraft,
  changes: Record<string, unknown>,
  actor: Actor,
): Promise<Changed | undefined> {
  const update = sql`
    update payouts set
      amount = ${formatAmount(draft.amountMinor, draft.currency)},
      currency = ${draft.currency},
      recipient_details = ${sql.json(draft.recipientDetails)},
      recipient_id = ${draft.recipientId ?? null},
      recipient_type = ${draft.recipientType ?? "test"},
      description = ${draft.description},
      scheduled_for = ${draft.scheduledFor},
      status = ${target.to},
      updated_by_api_key_id = ${actor.apiKeyId},
      version = version + 1,
      updated_at = clock_timestamp()
    where id = ${target.id} and status = ${target.from} and version = ${target.version}
    returning *
  `;
  const updated = payoutEvent(sql, {
    type: "updated",
    from: target.from,
    actor: actor.name,
    detail: sql.json({ changes } as postgres.JSONValue),
    webhooks: [
      "payout.updated",
      // Only when this PATCH moves it there: one already awaiting approval had its message then.
      ...(target.from === "pending"
        ? [{ type: "payout.needs_approval", when: sql`p.status = 'needs_approval'` } as const]
        : []),
    ],
  });
  return await changeAndEnqueue(sql, update, updated);
}

/**
 * Cancels a payout if it is still pending or awaiting approval (and at one of `versions`,
 * when given). The row stays for audit; a `canceled` event is recorded. Returns whether it
 * was canceled.
 */
export async function cancelOpenPayout(
  sql: Db,
  id: string,
  versions: number[] | null,
  actor: Actor,
): Promise<boolean> {
  const canceled = payoutEvent(sql, {
    type: "canceled",
    from: sql`p.old_status`,
    actor: actor.name,
    webhooks: ["payout.canceled"],
  });
  const rows = await sql`
    with ${lockedForChange(sql, [id])}, p as (
      update payouts set status = 'canceled', version = payouts.version + 1,
        updated_at = clock_timestamp()
      from old
      where payouts.id = old.id and old.status in ('pending', 'needs_approval')
        ${versions ? sql`and payouts.version = any(${versions}::int[])` : sql``}
      returning payouts.*, old.status as old_status
    ) ${canceled}
    select id from p
  `;
  return rows.length === 1;
}

/**
 * Approves a payout awaiting approval: `needs_approval → pending`, unless the approver's
 * key created or last changed it (four eyes) or it is not at one of `versions`. Records an
 * `approved` event, and an outbox row when it may be processed now (not scheduled later).
 */
export async function approvePayout(
  sql: Db,
  id: string,
  versions: number[] | null,
  actor: Actor,
): Promise<Changed | undefined> {
  const update = sql`
    update payouts set status = 'pending', approved_at = clock_timestamp(),
      enqueued_at = clock_timestamp(), version = version + 1, updated_at = clock_timestamp()
    where id = ${id} and status = 'needs_approval'
      and api_key_id is distinct from ${actor.apiKeyId}
      and updated_by_api_key_id is distinct from ${actor.apiKeyId}
      ${versions ? sql`and version = any(${versions}::int[])` : sql``}
    returning *
  `;
  const approved = payoutEvent(sql, {
    type: "approved",
    from: "needs_approval",
    actor: actor.name,
    webhooks: ["payout.approved"],
  });
  return await changeAndEnqueue(sql, update, approved);
}

/**
 * Rejects a payout awaiting approval: the terminal `rejected`, with the reason as its
 * `failure_reason`; it is never paid and stays visible. Records a `rejected` event.
 */
export async function rejectPayout(
  sql: Db,
  id: string,
  versions: number[] | null,
  reason: string,
  actor: Actor,
): Promise<Payout | undefined> {
  const rejected = payoutEvent(sql, {
    type: "rejected",
    from: "needs_approval",
    actor: actor.name,
    detail: sql`jsonb_build_object('reason', ${reason}::text)`,
    webhooks: ["payout.rejected"],
  });
  const [row] = await sql<PayoutRow[]>`
    with p as (
      update payouts set status = 'rejected', failure_reason = ${reason},
        version = version + 1, updated_at = clock_timestamp()
      where id = ${id} and status = 'needs_approval'
        ${versions ? sql`and version = any(${versions}::int[])` : sql``}
      returning *
    ) ${rejected}
    select * from p
  `;
  return row ? toPayout(row) : undefined;
}
