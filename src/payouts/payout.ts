/** The payout as the rest of the service sees it: plain data, money in minor units. */
import type { RecipientType } from "./payout_recipient.ts";

export const PAYOUT_STATUSES = [
  "needs_approval",
  "pending",
  "processing",
  "completed",
  "failed",
  "rejected",
] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];
/** `canceled` exists only in the database: canceled payouts are gone from the API. */
export type StoredStatus = PayoutStatus | "canceled";

export type RecipientDetails = { account: string } & Record<string, string>;

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

export const PAYOUT_EVENT_TYPES = [
  "created",
  "updated",
  "canceled",
  "status_changed",
  "attempt_failed",
  "approved",
  "rejected",
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
