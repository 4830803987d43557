/** SQL for putting dead-lettered payouts back in the queue. */
import type { Db } from "../db/types.ts";

/** The stored status of a payout (canceled included), or undefined when there is none. */
export async function findPayoutStatus(sql: Db, id: string): Promise<string | undefined> {
  const [row] = await sql<{ status: string }[]>`select status from payouts where id = ${id}`;
  return row?.status;
}

/**
 * Moves a `failed` payout back to `pending` for another round of attempts, with its audit
 * event, in one conditional statement. False when the payout is no longer failed.
 */
export async function reopenFailedPayout(
  sql: Db,
  id: string,
  actor: string,
  detail: Record<string, string>,
): Promise<boolean> {
  const rows = await sql`
    with old as (
      select id, failure_reason from payouts where id = ${id} and status = 'failed' for update
    ), p as (
      update payouts set
        status = 'pending',
        failure_reason = null,
        attempts = 0,
        lease_owner = null,
        lease_until = null,
        enqueued_at = clock_timestamp(),
        version = payouts.version + 1,
        updated_at = clock_timestamp()
      from old
      where payouts.id = old.id
      returning payouts.id, old.failure_reason
    ), e as (
      insert into payout_events (payout_id, type, from_status, to_status, actor, detail)
      select id, 'status_changed', 'failed', 'pending', ${actor},
        ${sql.json(detail)}::jsonb || jsonb_build_object('previous_failure_reason', failure_reason)
      from p
    )
    select id from p
  `;
  return rows.length === 1;
}
