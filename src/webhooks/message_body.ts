/**
 * The body of a webhook message: `{"type", "timestamp", "data"}`, built only from what the
 * message row stores, so every retry sends the same bytes (and the same signature input).
 */
import type { PayoutRow } from "../payouts/payout_row.ts";
import { toPayout } from "../payouts/payout_row.ts";
import { presentPayout } from "../payouts/payouts.presenter.ts";

export interface MessageContent {
  eventType: string;
  occurredAt: Date;
  /** The jsonb `data` column as postgres.js parses it. */
  data: unknown;
}

/** The snapshot the fan-out stores: the payout row, its timestamps as jsonb text. */
type PayoutSnapshot = Record<string, unknown>;

/** Row columns that are timestamps (those the snapshot holds are parsed back into Dates). */
const TIMESTAMP_COLUMNS = ["created_at", "updated_at", "scheduled_for", "approved_at"];

/**
 * The JSON text to send. Payout events carry the payout as `GET /api/payouts/{id}/` shows
 * it; other types (`webhook.test`) carry their data as stored.
 */
export function messageBody(message: MessageContent): string {
  return JSON.stringify({
    type: message.eventType,
    timestamp: message.occurredAt.toISOString(),
    data: message.eventType.startsWith("payout.")
      ? payoutData(message.data as PayoutSnapshot)
      : message.data,
  });
}

function payoutData(snapshot: PayoutSnapshot): ReturnType<typeof presentPayout> {
  const row: Record<string, unknown> = { ...snapshot };
  // jsonb keeps microseconds; the API's Dates have milliseconds, so both print the same.
  for (const column of TIMESTAMP_COLUMNS) {
    if (typeof row[column] === "string") row[column] = new Date(row[column] as string);
  }
  return presentPayout(toPayout(row as unknown as PayoutRow));
}
