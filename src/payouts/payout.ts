/** The payout as the rest of the service sees it: plain data, money in minor units. */

export const PAYOUT_STATUSES = ["pending", "processing", "completed", "failed"] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];
/** `canceled` exists only in the database: canceled payouts are gone from the API. */
export type StoredStatus = PayoutStatus | "canceled";

export type RecipientDetails = { account: string } & Record<string, string>;

export interface Payout {
  id: string;
  amountMinor: bigint;
  currency: string;
  recipientDetails: RecipientDetails;
  description: string;
  status: StoredStatus;
  failureReason: string | null;
  version: number;
  attempts: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface PayoutEvent {
  type: "created" | "updated" | "canceled" | "status_changed" | "attempt_failed";
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
