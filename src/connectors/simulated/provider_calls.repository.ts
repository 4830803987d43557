/**
 * SQL for the simulated provider's ledger, `provider_calls`: one row per call it received.
 * Its partial unique index on paid rows is the provider's idempotency.
 */
import type { Db } from "../../db/types.ts";

/** One call as the ledger records it; `paid` means "asked to pay". */
export interface LedgerEntry {
  payoutId: string;
  outcome: "paid" | "duplicate" | "refused" | "transient_error" | "permanent_error";
  amount: string;
  currency: string;
}

/**
 * Records calls in one multi-row statement. An entry asked to pay comes back `paid` only if
 * the unique index let its row in: one whose payout id was paid before (or earlier in these
 * entries) is recorded and returned as `duplicate`. Other outcomes are recorded as given.
 * Results are in the entries' order.
 */
export async function recordCalls(
  sql: Db,
  entries: readonly LedgerEntry[],
): Promise<LedgerEntry["outcome"][]> {
  if (entries.length === 0) return [];
  const asked = new Set<string>();
  const rows = entries.map((entry) => {
    if (entry.outcome !== "paid") return entry;
    // One statement cannot tell two of its own rows apart under the index: decide here.
    if (asked.has(entry.payoutId)) return { ...entry, outcome: "duplicate" as const };
    asked.add(entry.payoutId);
    return entry;
  });
  const paid = await sql<{ payout_id: string }[]>`
    with input as (
      select * from unnest(
        ${rows.map((row) => row.payoutId)}::uuid[],
        ${rows.map((row) => row.outcome)}::text[],
        ${rows.map((row) => row.amount)}::numeric[],
        ${rows.map((row) => row.currency)}::text[]
      ) as x(payout_id, outcome, amount, currency)
    ), paid as (
      insert into provider_calls (payout_id, outcome, amount, currency)
      select payout_id, 'paid', amount, currency from input where outcome = 'paid'
      on conflict (payout_id) where outcome = 'paid' do nothing
      returning payout_id
    ), others as (
      insert into provider_calls (payout_id, outcome, amount, currency)
      select payout_id, case when outcome = 'paid' then 'duplicate' else outcome end,
        amount, currency
      from input
      where outcome <> 'paid' or payout_id not in (select payout_id from paid)
    )
    select payout_id from paid
  `;
  const paidIds = new Set(paid.map((row) => row.payout_id));
  return rows.map((row) =>
    row.outcome !== "paid" ? row.outcome : paidIds.has(row.payoutId) ? "paid" : "duplicate"
  );
}

/** Whether the ledger holds a `paid` row for this payout id. */
export async function hasPaidCall(sql: Db, payoutId: string): Promise<boolean> {
  const rows = await sql`
    select 1 from provider_calls where payout_id = ${payoutId} and outcome = 'paid'
  `;
  return rows.length > 0;
}

/** Whether a call for this payout id ever failed transiently (`FLAKY` accounts). */
export async function hasTransientCall(sql: Db, payoutId: string): Promise<boolean> {
  const rows = await sql`
    select 1 from provider_calls
    where payout_id = ${payoutId} and outcome = 'transient_error' limit 1
  `;
  return rows.length > 0;
}
