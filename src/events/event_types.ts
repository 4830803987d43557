/**
 * The event types a webhook endpoint can subscribe to, and the test type sent on request.
 * Payouts publish the `payout.*` types and webhooks deliver them; the catalogue sits below
 * both and imports nothing, so neither folder imports the other for it.
 */

export const PAYOUT_EVENT_TYPES = [
  "payout.created",
  "payout.updated",
  "payout.canceled",
  "payout.processing",
  "payout.completed",
  "payout.failed",
  "payout.needs_approval",
  "payout.approved",
  "payout.rejected",
  /** A completed payout's money came back from the recipient's bank (a SEPA return). */
  "payout.returned",
] as const;
export type PayoutEventType = (typeof PAYOUT_EVENT_TYPES)[number];

/** Sent by `POST …/{id}/test/` whatever the endpoint subscribed to. */
export const TEST_EVENT_TYPE = "webhook.test";

/** One entry of an endpoint's `events`: a known type, or `*` for all of them. */
export type SubscribedEvent = PayoutEventType | "*";

/** What `events` may hold: known types, or `*` alone for all of them. */
export const SUBSCRIBABLE_EVENTS: readonly string[] = [...PAYOUT_EVENT_TYPES, "*"];
