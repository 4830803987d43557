/** Payouts and events as the API writes them. */
import type { Payout, PayoutEvent, PayoutStatus } from "./payout.ts";
import { formatAmount } from "./payout_rules.ts";

export function presentPayout(payout: Payout) {
  return {
    id: payout.id,
    amount: formatAmount(payout.amountMinor, payout.currency),
    currency: payout.currency,
    recipient_details: payout.recipientDetails,
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
