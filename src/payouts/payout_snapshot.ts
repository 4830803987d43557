/**
 * The copy of a payout that a webhook message stores as its `data`: written from the row's
 * own columns by the statement that changes the payout, and read back into the API's shape
 * when the message is sent. Both directions follow PAYOUT_ROW_COLUMNS, so a column added to
 * the row is in the snapshot and in the body without a third list to keep in step.
 */
import type postgres from "postgres";
import type { Db } from "../db/types.ts";
import { PAYOUT_ROW_COLUMNS, type PayoutRow, toPayout } from "./payout_row.ts";
import { presentPayout } from "./payouts.presenter.ts";

/**
 * Columns stored as text: as jsonb a `numeric` becomes a JSON number, which postgres.js
 * parses into a float, and the amount's digits would be lost.
 */
const AS_TEXT: ReadonlySet<string> = new Set(["amount"] satisfies (keyof PayoutRow)[]);

// `'id', p.id, 'amount', p.amount::text, …`: SQL text made once from constant column names,
// never from input.
const SNAPSHOT_ARGUMENTS = PAYOUT_ROW_COLUMNS
  .map((column) => `'${column}', p.${column}${AS_TEXT.has(column) ? "::text" : ""}`)
  .join(", ");

/** The snapshot of the payout row `p` as a jsonb expression, for the fan-out's `data`. */
export function payoutSnapshot(sql: Db): postgres.Fragment {
  return sql`jsonb_build_object(${sql.unsafe(SNAPSHOT_ARGUMENTS)})`;
}

/** The columns whose values are Dates (null or not). */
type TimestampColumn = {
  [K in keyof PayoutRow]: PayoutRow[K] extends Date | null ? K : never;
}[keyof PayoutRow];

/** Timestamp columns: jsonb holds them as text, parsed back into Dates. */
const TIMESTAMP_COLUMNS = [
  "created_at",
  "updated_at",
  "scheduled_for",
  "approved_at",
] as const satisfies readonly TimestampColumn[];

// And every timestamp column is parsed: one added to PayoutRow without being listed here
// fails type checking instead of reaching toPayout as a string.
const _everyTimestampParsed: Record<
  Exclude<TimestampColumn, (typeof TIMESTAMP_COLUMNS)[number]>,
  never
> = {};

/**
 * The `data` a webhook body carries for a message: for `payout.*` types the payout as
 * `GET /api/payouts/{id}/` shows it, rebuilt from the stored snapshot; anything else as
 * stored. This is the renderer the webhook dispatcher is given.
 */
export function renderEventData(eventType: string, data: unknown): unknown {
  if (!eventType.startsWith("payout.")) return data;
  const row: Record<string, unknown> = { ...(data as Record<string, unknown>) };
  // jsonb keeps microseconds; the API's Dates have milliseconds, so both print the same.
  for (const column of TIMESTAMP_COLUMNS) {
    if (typeof row[column] === "string") row[column] = new Date(row[column] as string);
  }
  // Messages written before payouts had recipients: inline details, paid as `test`.
  row.recipient_id ??= null;
  row.recipient_type ??= "test";
  return presentPayout(toPayout(row as unknown as PayoutRow));
}
