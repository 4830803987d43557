/**
 * What a payout needs of a stored recipient when it references one by `recipient_id`
 * instead of carrying `recipient_details`: the details to copy into the payout, and the
 * rules they bring. The recipients part provides the directory (it imports payouts, never
 * the reverse); the service is given it.
 */
import type { Db } from "../db/types.ts";
import type { RecipientDetails, RecipientType } from "./payout.ts";

/** A stored recipient as a payout copies it. */
export interface PayoutRecipient {
  id: string;
  type: RecipientType;
  /** The one currency it may be paid in; null: any. */
  currency: string | null;
  /** The snapshot the payout stores as its `recipient_details` and is paid to. */
  details: RecipientDetails;
}

/** Looks recipients up for payouts. */
export interface RecipientDirectory {
  /**
   * The recipient `id` (a canonical lower-case UUID) as a payout would copy it now, read
   * through `db` (a transaction, when the caller is in one); undefined when there is none
   * or it was deleted, unless `includeDeleted`.
   */
  find(
    db: Db,
    id: string,
    options?: { includeDeleted?: boolean },
  ): Promise<PayoutRecipient | undefined>;
}
