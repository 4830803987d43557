/** The payout as the rest of the service sees it: plain data, money in minor units. */

export const PAYOUT_STATUSES = [
  "needs_approval",
  "pending",
  "processing",
  "completed",
  "failed",
  "rejected",
  /** Paid, then sent back by the recipient's bank (a SEPA return): see `return_reason`. */
  "returned",
] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];
/** `canceled` exists only in the database: canceled payouts are gone from the API. */
export type StoredStatus = PayoutStatus | "canceled";

export type RecipientDetails = { account: string } & Record<string, string>;

/**
 * What `recipient_details` describes: `test`, an account string for the simulated connector;
 * `sepa`, `{account: IBAN, name, bic?}` for a SEPA credit transfer.
 */
export const RECIPIENT_TYPES = ["test", "sepa"] as const;
export type RecipientType = (typeof RECIPIENT_TYPES)[number];

export interface Payout {
  id: string;
  amountMinor: bigint;
  currency: string;
  recipientDetails: RecipientDetails;
  /**
   * The stored recipient the details were copied from (null: given inline). The copy is
   * what is paid: later changes of the recipient do not reach the payout.
   */
  recipientId: string | null;
  /** How it is paid. */
  recipientType: RecipientType;
  description: string;
  status: StoredStatus;
  failureReason: string | null;
  /** The connector it was (or is being) sent through; null before one was chosen. */
  connector: string | null;
  /** Why the money came back, once `returned`. */
  returnReason: string | null;
  version: number;
  attempts: number;
  /** Not processed before this time; null: at once. */
  scheduledFor: Date | null;
  /** The client asked for an approval whatever the amount. */
  requiresApproval: boolean;
  /** When it was last approved (null if never). */
  approvedAt: Date | null;
  /** The key that created it, and the one that last changed it: neither may approve it. */
  createdByKeyId: string | null;
  updatedByKeyId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * What the API shows of a payout: the fields its JSON is written from. The list reads only
 * these columns (each column a page reads is text to decode, per row).
 */
export type ShownPayout = Pick<
  Payout,
  | "id"
  | "amountMinor"
  | "currency"
  | "recipientDetails"
  | "recipientId"
  | "description"
  | "status"
  | "failureReason"
  | "connector"
  | "returnReason"
  | "scheduledFor"
  | "requiresApproval"
  | "createdAt"
  | "updatedAt"
>;

export const PAYOUT_EVENT_TYPES = [
  "created",
  "updated",
  "canceled",
  "status_changed",
  "attempt_failed",
  "approved",
  "rejected",
  "connector_refused",
  "submitted",
  "sepa_file_assigned",
] as const;

export interface PayoutEvent {
  type: (typeof PAYOUT_EVENT_TYPES)[number];
  fromStatus: StoredStatus | null;
  toStatus: StoredStatus | null;
  actor: string;
  at: Date;
  detail: Record<string, unknown>;
}

/** A strong ETag that changes with every change of the payout. */
export function payoutEtag(payout: Pick<Payout, "id" | "version">): string {
  return `"${payout.id.slice(0, 8)}-${payout.version}"`;
}

/** The version an entity tag made by payoutEtag names for this payout, if any. */
export function etagVersion(id: string, etag: string): number | undefined {
  const match = /^"([0-9a-f]{8})-([1-9][0-9]{0,8})"$/.exec(etag);
  return match && match[1] === id.slice(0, 8) ? Number(match[2]) : undefined;
}
