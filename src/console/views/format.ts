/** How the console writes amounts, times and durations. */
import type { Payout } from "../../payouts/payout.ts";
import { formatAmount } from "../../payouts/payout_rules.ts";

/** `125.50 USD`, with exactly the currency's fraction digits. */
export function amountOf(payout: Pick<Payout, "amountMinor" | "currency">): string {
  return `${formatAmount(payout.amountMinor, payout.currency)} ${payout.currency}`;
}

/** `2025-01-07 10:15:02 UTC`. */
export function timeOf(at: Date | string | null): string {
  if (at === null) return "—";
  const date = typeof at === "string" ? new Date(at) : at;
  if (Number.isNaN(date.getTime())) return String(at);
  return `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** `1.2 s`, `3 min`, `2 h`; `—` for none. */
export function ageOf(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** A number with thousands separators, or `—` when unknown. */
export function countOf(n: number | null | undefined): string {
  return n === null || n === undefined ? "—" : n.toLocaleString("en-US");
}
