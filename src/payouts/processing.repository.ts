/**
 * SQL for the worker's state transitions. Each is one conditional statement that also
 * appends the audit event, so races and redeliveries are decided by the database.
 */
import type { Db } from "../db/types.ts";
import type { Payout } from "./payout.ts";
import { lockedForChange, payoutEvent } from "./payout_events.sql.ts";
import { type PayoutRow, toPayout } from "./payout_row.ts";

/** A payout taken for processing; `takenOver` when a previous holder's lease had run out. */
export interface Claim {
  payout: Payout;
  takenOver: boolean;
}

/**
 * Takes a payout for processing: from `pending` once any `scheduled_for` has come, or from
 * `processing` when the lease of a previous holder expired (or is this worker's own).
 * Undefined when another worker holds it, it is not due yet, awaits approval, was submitted
 * to a connector that answers later, or is finished, rejected, canceled or unknown. {@linkcode claimPayouts} for one id.
 */
export async function claimPayout(
  sql: Db,
  id: string,
  worker: string,
  leaseMs: number,
): Promise<Claim | undefined> {
  return (await claimPayouts(sql, [id], worker, leaseMs)).get(id);
}

/**
 * Takes many payouts at once, on the same conditions as {@linkcode claimPayout} row by row,
 * in one statement: one commit for a whole read of jobs. Returns the payouts it took, by id;
 * the others are held elsewhere, not due, awaiting approval, finished or unknown. Only the
 * rows that really left `pending` get a `status_changed` event and webhook messages.
 */
export async function claimPayouts(
  sql: Db,
  ids: readonly string[],
  worker: string,
  leaseMs: number,
): Promise<Map<string, Claim>> {
  if (ids.length === 0) return new Map();
  // Only a real pending → processing step is an event; taking over an expired lease is not.
  const started = payoutEvent(sql, {
    type: "status_changed",
    from: "pending",
    actor: worker,
    when: sql`p.old_status = 'pending'`,
    webhooks: ["payout.processing"],
  });
  const rows = await sql<(PayoutRow & { old_status: string })[]>`
    with ${lockedForChange(sql, ids)}, p as (
      update payouts set
        status = 'processing',
        attempts = payouts.attempts + 1,
        lease_owner = ${worker},
        lease_until = clock_timestamp() + ${leaseMs} * interval '1 millisecond',
        version = payouts.version + 1,
        updated_at = clock_timestamp()
      from old
      where payouts.id = old.id
        and ((old.status = 'pending'
            and (payouts.scheduled_for is null or payouts.scheduled_for <= clock_timestamp()))
          or (old.status = 'processing' and payouts.submitted_at is null
            and (payouts.lease_until < clock_timestamp() or payouts.lease_owner = ${worker})))
      returning payouts.*, old.status as old_status
    ) ${started}
    select * from p
  `;
  return new Map(
    rows.map((
      row,
    ) => [row.id, { payout: toPayout(row), takenOver: row.old_status === "processing" }]),
  );
}

/**
 * How a payout this worker holds ends: for {@linkcode finishPayout} and {@linkcode finishPayouts}.
 * `connector`, when given, is recorded on the payout unless one already is.
 */
export type FinishOutcome =
  & ({ status: "completed"; detail: Record<string, string> } | {
    status: "failed";
    reason: string;
    detail: Record<string, string>;
  })
  & { connector?: string };

/**
 * Moves a payout this worker holds to `completed` or `failed`. Undefined if the lease was
 * lost meanwhile (another worker then finishes it, idempotently at the provider).
 */
export async function finishPayout(
  sql: Db,
  id: string,
  worker: string,
  outcome: FinishOutcome,
): Promise<Payout | undefined> {
  const reason = outcome.status === "failed" ? outcome.reason : null;
  const finished = payoutEvent(sql, {
    type: "status_changed",
    from: "processing",
    actor: worker,
    detail: sql.json(reason ? { ...outcome.detail, reason } : outcome.detail),
    webhooks: [`payout.${outcome.status}`],
  });
  const [row] = await sql<PayoutRow[]>`
    with p as (
      update payouts set
        status = ${outcome.status},
        failure_reason = ${reason},
        connector = coalesce(connector, ${outcome.connector ?? null}::text),
        lease_owner = null,
        lease_until = null,
        version = version + 1,
        updated_at = clock_timestamp()
      where id = ${id} and status = 'processing' and lease_owner = ${worker}
      returning *
    ) ${finished}
    select * from p
  `;
  return row ? toPayout(row) : undefined;
}

/**
 * Finishes many payouts this worker holds in one statement, each as `completed` or `failed`
 * with its own event detail and webhook type. Returns the ids it finished; a missing one lost
 * its lease meanwhile, exactly as {@linkcode finishPayout} would have said.
 */
export async function finishPayouts(
  sql: Db,
  finishes: readonly { id: string; outcome: FinishOutcome }[],
  worker: string,
): Promise<Set<string>> {
  if (finishes.length === 0) return new Set();
  const input = finishes.map(({ id, outcome }) => {
    const reason = outcome.status === "failed" ? outcome.reason : null;
    return {
      id,
      status: outcome.status,
      reason,
      connector: outcome.connector ?? null,
      detail: reason ? { ...outcome.detail, reason } : outcome.detail,
    };
  });
  const finished = payoutEvent(sql, {
    type: "status_changed",
    from: "processing",
    actor: worker,
    detail: sql`input.detail`,
    rows: sql`p join input on input.id = p.id`,
    webhooks: [
      { type: "payout.completed", when: sql`p.status = 'completed'` },
      { type: "payout.failed", when: sql`p.status = 'failed'` },
    ],
  });
  const rows = await sql<{ id: string }[]>`
    with input as (
      select * from jsonb_to_recordset(${sql.json(input)})
        as x(id uuid, status text, reason text, connector text, detail jsonb)
    ), locked as (
      -- Locked in id order, as claimPayouts locks, so batches never deadlock each other.
      -- By primary key alone: with a status condition here the planner may walk every
      -- entry of 'processing' in the status index, dead versions included, and those
      -- grow with every payout processed. The update below checks status and lease.
      select id from payouts where id = any(${finishes.map(({ id }) => id)}::uuid[])
      order by id
      for update
    ), p as (
      update payouts set
        status = input.status,
        failure_reason = input.reason,
        connector = coalesce(payouts.connector, input.connector),
        lease_owner = null,
        lease_until = null,
        version = payouts.version + 1,
        updated_at = clock_timestamp()
      from locked join input on input.id = locked.id
      where payouts.id = locked.id and payouts.status = 'processing'
        and payouts.lease_owner = ${worker}
      returning payouts.*
    ) ${finished}
    select id from p
  `;
  return new Set(rows.map((row) => row.id));
}

/**
 * Records a failed attempt and keeps the lease for the backoff that follows, so no other
 * worker takes the payout meanwhile. False if the lease was lost.
 */
export async function recordFailedAttempt(
  sql: Db,
  id: string,
  worker: string,
  detail: Record<string, string | number>,
  holdMs: number,
  /** Recorded on the payout unless one is: the retry must go to the same connector. */
  connector: string | null = null,
): Promise<boolean> {
  // No webhook type says so: for subscribers the payout is still processing.
  const attemptFailed = payoutEvent(sql, {
    type: "attempt_failed",
    from: "processing",
    actor: worker,
    detail: sql.json(detail),
    webhooks: [],
  });
  const rows = await sql`
    with p as (
      update payouts set
        lease_until = clock_timestamp() + ${holdMs} * interval '1 millisecond',
        connector = coalesce(connector, ${connector}::text),
        version = version + case when connector is null and ${connector}::text is not null
          then 1 else 0 end
      where id = ${id} and status = 'processing' and lease_owner = ${worker}
      returning id, status
    ) ${attemptFailed}
    select id from p
  `;
  return rows.length === 1;
}

/**
 * Fails a payout whose job is being given up on, if no live worker holds it and it was
 * never paid (the caller checks the provider first). Pending payouts fail directly.
 */
export async function failAbandonedPayout(
  sql: Db,
  id: string,
  actor: string,
  reason: string,
): Promise<boolean> {
  // From pending, or from processing once the lease ran out: the old status says which.
  const failed = payoutEvent(sql, {
    type: "status_changed",
    from: sql`p.old_status`,
    actor,
    detail: sql`jsonb_build_object('reason', ${reason}::text)`,
    webhooks: ["payout.failed"],
  });
  const rows = await sql`
    with ${lockedForChange(sql, [id])}, p as (
      update payouts set
        status = 'failed', failure_reason = ${reason}, lease_owner = null, lease_until = null,
        version = payouts.version + 1, updated_at = clock_timestamp()
      from old
      where payouts.id = old.id
        and (old.status = 'pending'
          or (old.status = 'processing' and payouts.submitted_at is null
            and payouts.lease_until < clock_timestamp()))
      returning payouts.*, old.status as old_status
    ) ${failed}
    select id from p
  `;
  return rows.length === 1;
}

/** Releases this worker's leases so others can take over at once (on shutdown). */
export async function releaseLeases(sql: Db, ids: string[], worker: string): Promise<void> {
  if (ids.length === 0) return;
  await sql`
    update payouts set lease_until = clock_timestamp()
    where id = any(${ids}::uuid[]) and status = 'processing' and lease_owner = ${worker}
  `;
}

/**
 * Records the connector a payout this worker holds is about to be sent through, before the
 * call: whatever happens next (a timeout, a crash), the payout goes to no other connector.
 * False if the lease was lost or another connector is recorded.
 */
export async function recordConnector(
  sql: Db,
  id: string,
  worker: string,
  connector: string,
): Promise<boolean> {
  const rows = await sql`
    update payouts set connector = ${connector}, version = version + 1,
      updated_at = clock_timestamp()
    where id = ${id} and status = 'processing' and lease_owner = ${worker}
      and connector is null
    returning id
  `;
  return rows.length === 1;
}

/**
 * Moves a payout this worker holds from the connector that refused it (nothing was sent) to
 * the next one, renewing the lease for the new call, with a `connector_refused` event. False
 * if the lease was lost.
 */
export async function recordRefusal(
  sql: Db,
  id: string,
  worker: string,
  refusal: { connector: string; reason: string; next: string },
  leaseMs: number,
): Promise<boolean> {
  const refused = payoutEvent(sql, {
    type: "connector_refused",
    from: "processing",
    actor: worker,
    detail: sql.json({
      connector: refusal.connector,
      reason: refusal.reason,
      next_connector: refusal.next,
    }),
    webhooks: [],
  });
  const rows = await sql`
    with p as (
      update payouts set
        connector = ${refusal.next},
        lease_until = clock_timestamp() + ${leaseMs} * interval '1 millisecond',
        version = version + 1,
        updated_at = clock_timestamp()
      where id = ${id} and status = 'processing' and lease_owner = ${worker}
        and (connector is null or connector = ${refusal.connector})
      returning id, status
    ) ${refused}
    select id from p
  `;
  return rows.length === 1;
}

/**
 * Hands a payout this worker holds to a connector that answers later: it stays `processing`,
 * its lease is released, and it is never claimed again (the connector's report finishes it).
 * Records the connector and a `submitted` event. False if the lease was lost.
 */
export async function markSubmitted(
  sql: Db,
  id: string,
  worker: string,
  connector: string,
): Promise<boolean> {
  // No webhook type says so: for subscribers the payout is still processing.
  const submitted = payoutEvent(sql, {
    type: "submitted",
    from: "processing",
    actor: worker,
    detail: sql.json({ connector }),
    webhooks: [],
  });
  const rows = await sql`
    with p as (
      update payouts set
        submitted_at = clock_timestamp(),
        connector = coalesce(connector, ${connector}::text),
        lease_owner = null,
        lease_until = null,
        version = version + 1,
        updated_at = clock_timestamp()
      where id = ${id} and status = 'processing' and lease_owner = ${worker}
        and submitted_at is null
      returning id, status
    ) ${submitted}
    select id from p
  `;
  return rows.length === 1;
}
