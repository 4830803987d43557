import { currencyExponent } from "./currencies.ts";
import { numericToMinor } from "./money.ts";
import type {
  Payout,
  RecipientDetails,
  RecipientType,
  ShownPayout,
  StoredStatus,
} from "./payout.ts";

/** A `payouts` row as postgres.js returns it (`numeric` arrives as a string). */
export interface PayoutRow {
  id: string;
  amount: string;
  currency: string;
  recipient_details: RecipientDetails;
  recipient_id: string | null;
  recipient_type: RecipientType;
  description: string;
  status: StoredStatus;
  failure_reason: string | null;
  connector: string | null;
  return_reason: string | null;
  version: number;
  attempts: number;
  scheduled_for: Date | null;
  requires_approval: boolean;
  approved_at: Date | null;
  api_key_id: string | null;
  updated_by_api_key_id: string | null;
  created_at: Date;
  updated_at: Date;
}

/**
 * The columns of a {@linkcode PayoutRow}, for `select` and `returning` lists: the worker's
 * lease and queue columns are left out, so lists and creates parse less. (Get by id keeps
 * `*`: postgres.js escapes the list on every call, which one row does not repay.)
 */
export const PAYOUT_ROW_COLUMNS = [
  "id",
  "amount",
  "currency",
  "recipient_details",
  "recipient_id",
  "recipient_type",
  "description",
  "status",
  "failure_reason",
  "connector",
  "return_reason",
  "version",
  "attempts",
  "scheduled_for",
  "requires_approval",
  "approved_at",
  "api_key_id",
  "updated_by_api_key_id",
  "created_at",
  "updated_at",
] as const satisfies readonly (keyof PayoutRow)[];

// And every field of PayoutRow is in the list: a field added without its column fails
// type checking here instead of arriving as undefined.
const _everyFieldSelected: Record<
  Exclude<keyof PayoutRow, (typeof PAYOUT_ROW_COLUMNS)[number]>,
  never
> = {};

/**
 * The columns a {@linkcode ShownPayout} is read from: what the API's list selects, so a page
 * decodes 14 columns of each row instead of 20.
 */
export const SHOWN_PAYOUT_COLUMNS = [
  "id",
  "amount",
  "currency",
  "recipient_details",
  "recipient_id",
  "description",
  "status",
  "failure_reason",
  "connector",
  "return_reason",
  "scheduled_for",
  "requires_approval",
  "created_at",
  "updated_at",
] as const satisfies readonly (typeof PAYOUT_ROW_COLUMNS)[number][];

export type ShownPayoutRow = Pick<PayoutRow, (typeof SHOWN_PAYOUT_COLUMNS)[number]>;

/** Maps the shown columns of a stored row, converting the amount to exact minor units. */
export function toShownPayout(row: ShownPayoutRow): ShownPayout {
  const exponent = currencyExponent(row.currency);
  if (exponent === undefined) throw new Error(`stored payout ${row.id} has unknown currency`);
  return {
    id: row.id,
    amountMinor: numericToMinor(row.amount, exponent),
    currency: row.currency,
    recipientDetails: row.recipient_details,
    recipientId: row.recipient_id,
    description: row.description,
    status: row.status,
    failureReason: row.failure_reason,
    connector: row.connector ?? null,
    returnReason: row.return_reason ?? null,
    scheduledFor: row.scheduled_for,
    requiresApproval: row.requires_approval,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Maps a stored row to the domain shape, converting the amount to exact minor units. */
export function toPayout(row: PayoutRow): Payout {
  return {
    ...toShownPayout(row),
    // Snapshots stored by webhook messages written before the column existed lack it.
    recipientType: row.recipient_type ?? "test",
    version: row.version,
    attempts: row.attempts,
    approvedAt: row.approved_at,
    createdByKeyId: row.api_key_id,
    updatedByKeyId: row.updated_by_api_key_id,
  };
}
