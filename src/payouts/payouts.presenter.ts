/** Payouts and events as the API writes them. */
import { maskAccount } from "../bank_accounts/account_mask.ts";
import type { Payout, PayoutEvent, PayoutStatus, RecipientDetails, ShownPayout } from "./payout.ts";
import { formatAmount } from "./payout_rules.ts";

export function presentPayout(payout: ShownPayout) {
  return {
    id: payout.id,
    amount: formatAmount(payout.amountMinor, payout.currency),
    currency: payout.currency,
    recipient_details: shownRecipientDetails(payout),
    recipient_id: payout.recipientId,
    description: payout.description,
    // Canceled payouts never reach the presenter: they are gone from the API.
    status: payout.status as PayoutStatus,
    failure_reason: payout.failureReason,
    connector: payout.connector,
    return_reason: payout.returnReason,
    scheduled_for: payout.scheduledFor?.toISOString() ?? null,
    requires_approval: payout.requiresApproval,
    created_at: payout.createdAt.toISOString(),
    updated_at: payout.updatedAt.toISOString(),
  };
}

/**
 * The recipient details a payout shows: as given, when given inline; with `account` masked
 * when copied from a stored recipient, whose account only `recipients:reveal` may read.
 */
export function shownRecipientDetails(
  payout: Pick<Payout, "recipientDetails" | "recipientId">,
): RecipientDetails {
  if (payout.recipientId === null) return payout.recipientDetails;
  return { ...payout.recipientDetails, account: maskAccount(payout.recipientDetails.account) };
}

export function presentEvent(event: PayoutEvent) {
  return {
    type: event.type,
    from_status: event.fromStatus,
    to_status: event.toStatus,
    actor: event.actor,
    at: event.at.toISOString(),
    detail: event.detail,
  };
}
