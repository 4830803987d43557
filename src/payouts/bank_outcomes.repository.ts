/**
 * SQL for what a connector that answers later (the SEPA file rail) tells about payouts after
 * they were submitted: the file a payout went out in, the bank's final answer, and a return.
 * Each is one conditional statement with its events and webhook messages, so a report applied
 * twice, or racing a worker, changes each payout at most once.
 */
import type { Db } from "../db/types.ts";
import { lockedForChange, payoutEvent } from "./payout_events.sql.ts";

/**
 * Records that the payouts went out in SEPA file `fileId` (and through `connector`, which a
 * payout with a single candidate has not recorded before its finish), with a
 * `sepa_file_assigned` event. Payouts already in a file are left alone. Returns the ids
 * changed.
 */
export async function assignSepaFile(
  sql: Db,
  change: { payoutIds: string[]; fileId: string; fileName: string; connector: string },
  actor: string,
): Promise<string[]> {
  if (change.payoutIds.length === 0) return [];
  const assigned = payoutEvent(sql, {
    type: "sepa_file_assigned",
    from: sql`p.status`,
    actor,
    detail: sql.json({ file_id: change.fileId, file_name: change.fileName }),
    webhooks: [],
  });
  const rows = await sql<{ id: string }[]>`
    with ${lockedForChange(sql, change.payoutIds)}, p as (
      update payouts set
        sepa_file_id = ${change.fileId},
        connector = coalesce(payouts.connector, ${change.connector}::text),
        version = payouts.version + 1,
        updated_at = clock_timestamp()
      from old
      where payouts.id = old.id and payouts.sepa_file_id is null
      returning payouts.id, payouts.status
    ) ${assigned}
    select id from p
  `;
  return rows.map((row) => row.id);
}

/** The bank's final answer about one payout of a file. */
export interface BankSettlement {
  payoutId: string;
  status: "completed" | "failed";
  /** For `failed`: the failure reason. */
  reason?: string;
  detail: Record<string, string>;
}

/** A payout a settlement changed, and how long after its creation. */
export interface Settled {
  id: string;
  status: "completed" | "failed";
  ageSeconds: number;
}

/**
 * Completes or fails the payouts of SEPA file `fileId` that are still `processing` through
 * `connector`, each as its settlement says, with a `status_changed` event and the
 * `payout.completed` / `payout.failed` webhooks. One already finished (the same answer
 * applied before, or another report first) is left out. Returns the payouts it changed.
 */
export async function settleFilePayouts(
  sql: Db,
  change: { connector: string; fileId: string; settlements: BankSettlement[] },
  actor: string,
): Promise<Settled[]> {
  if (change.settlements.length === 0) return [];
  const input = change.settlements.map((settlement) => ({
    id: settlement.payoutId,
    status: settlement.status,
    reason: settlement.status === "failed" ? settlement.reason : null,
    detail: settlement.status === "failed"
      ? { ...settlement.detail, reason: settlement.reason }
      : settlement.detail,
  }));
  const settled = payoutEvent(sql, {
    type: "status_changed",
    from: "processing",
    actor,
    detail: sql`input.detail`,
    rows: sql`p join input on input.id = p.id`,
    webhooks: [
      { type: "payout.completed", when: sql`p.status = 'completed'` },
      { type: "payout.failed", when: sql`p.status = 'failed'` },
    ],
  });
  const ids = input.map((row) => row.id);
  const rows = await sql<{ id: string; status: "completed" | "failed"; age_seconds: string }[]>`
    with input as (
      select * from jsonb_to_recordset(${sql.json(input)})
        as x(id uuid, status text, reason text, detail jsonb)
    ), ${lockedForChange(sql, ids)}, p as (
      update payouts set
        status = input.status,
        failure_reason = input.reason,
        lease_owner = null,
        lease_until = null,
        version = payouts.version + 1,
        updated_at = clock_timestamp()
      from old join input on input.id = old.id
      where payouts.id = old.id and payouts.status = 'processing'
        and payouts.connector = ${change.connector} and payouts.sepa_file_id = ${change.fileId}
      returning payouts.*,
        extract(epoch from clock_timestamp() - payouts.created_at)::text as age_seconds
    ) ${settled}
    select id, status, age_seconds from p
  `;
  return rows.map((row) => ({
    id: row.id,
    status: row.status,
    ageSeconds: Number(row.age_seconds),
  }));
}

/** Money the recipient's bank sent back. */
export interface PayoutReturn {
  payoutId: string;
  /** The payout's `return_reason`. */
  reason: string;
  detail: Record<string, string>;
}

/**
 * Marks payouts sent through `connector` as `returned` with their reason: completed ones, and
 * processing ones already sent in a file (the return proves the transfer was executed even
 * if its status report has not come). A `status_changed` event and the `payout.returned`
 * webhook each. Payouts already returned, or never sent, are left out. Returns the ids
 * changed.
 */
export async function returnPayouts(
  sql: Db,
  change: { connector: string; returns: PayoutReturn[] },
  actor: string,
): Promise<string[]> {
  if (change.returns.length === 0) return [];
  // One return per payout: a notification listing one twice is applied once.
  const byId = new Map(change.returns.map((item) => [item.payoutId, item]));
  const input = [...byId.values()].map((item) => ({
    id: item.payoutId,
    reason: item.reason,
    detail: { ...item.detail, reason: item.reason },
  }));
  const returned = payoutEvent(sql, {
    type: "status_changed",
    from: sql`p.old_status`,
    actor,
    detail: sql`input.detail`,
    rows: sql`p join input on input.id = p.id`,
    webhooks: ["payout.returned"],
  });
  const rows = await sql<{ id: string }[]>`
    with input as (
      select * from jsonb_to_recordset(${sql.json(input)})
        as x(id uuid, reason text, detail jsonb)
    ), ${lockedForChange(sql, [...byId.keys()])}, p as (
      update payouts set
        status = 'returned',
        return_reason = input.reason,
        lease_owner = null,
        lease_until = null,
        version = payouts.version + 1,
        updated_at = clock_timestamp()
      from old join input on input.id = old.id
      where payouts.id = old.id and payouts.connector = ${change.connector}
        and (old.status = 'completed'
          or (old.status = 'processing' and payouts.sepa_file_id is not null))
      returning payouts.*, old.status as old_status
    ) ${returned}
    select id from p
  `;
  return rows.map((row) => row.id);
}
