/** The recipient as the rest of the service sees it: plain data. */
import type { RecipientDetails } from "../payouts/payout.ts";
import type { RecipientType } from "../payouts/payout.ts";

export { RECIPIENT_TYPES, type RecipientType } from "../payouts/payout.ts";

/** A SEPA account: the IBAN in electronic format (no spaces, upper case) and the bank's BIC. */
export interface SepaAccount {
  iban: string;
  bic?: string;
}

/** A test account: what a payout's inline `recipient_details` holds. */
export type TestAccount = RecipientDetails;

export type Account = SepaAccount | TestAccount;

export type Metadata = Record<string, string>;

export interface Recipient {
  id: string;
  name: string;
  type: RecipientType;
  /** The one currency it may be paid in; null: any. Always EUR for `sepa`. */
  currency: string | null;
  /** `SepaAccount` for `sepa`, `TestAccount` for `test`. */
  account: Account;
  metadata: Metadata;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** What the audit trail records. */
export const RECIPIENT_ACTIONS = ["created", "updated", "deleted", "revealed"] as const;
export type RecipientAction = (typeof RECIPIENT_ACTIONS)[number];

export interface RecipientEvent {
  action: RecipientAction;
  actor: string;
  at: Date;
  requestId: string | null;
  detail: Record<string, unknown>;
}

/** Who acts on a recipient, as its audit trail records it. */
export interface RecipientActor {
  /** `api:<key name>`. */
  name: string;
  apiKeyId: string | null;
  /** The request's X-Request-Id. */
  requestId: string | null;
}

/** The account of a `sepa` recipient (the type says which). */
export function sepaAccountOf(recipient: Pick<Recipient, "account">): SepaAccount {
  return recipient.account as SepaAccount;
}

/** A strong ETag that changes with every change of the recipient. */
export function recipientEtag(recipient: Pick<Recipient, "id" | "version">): string {
  return `"${recipient.id.slice(0, 8)}-${recipient.version}"`;
}

/** The version an entity tag made by recipientEtag names for this recipient, if any. */
export function recipientEtagVersion(id: string, etag: string): number | undefined {
  const match = /^"([0-9a-f]{8})-([1-9][0-9]{0,8})"$/.exec(etag);
  return match && match[1] === id.slice(0, 8) ? Number(match[2]) : undefined;
}
