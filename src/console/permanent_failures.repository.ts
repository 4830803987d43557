/**
 * Which failed payouts failed for good: their latest move to `failed` was a permanent
 * provider error (`provider_outcome: permanent_error` in its audit event), so requeueing
 * them is expected to fail again unless something outside the payout changed.
 */
import type { Db } from "../db/types.ts";

/** The ids among `payoutIds` whose latest failure was a permanent provider error. */
export async function permanentlyFailed(sql: Db, payoutIds: string[]): Promise<Set<string>> {
  if (payoutIds.length === 0) return new Set();
  const rows = await sql<{ payout_id: string; outcome: string | null }[]>`
    select distinct on (payout_id) payout_id, detail->>'provider_outcome' as outcome
    from payout_events
    where payout_id = any(${payoutIds}::uuid[]) and to_status = 'failed'
    order by payout_id, id desc
  `;
  return new Set(
    rows.filter((row) => row.outcome === "permanent_error").map((row) => row.payout_id),
  );
}
