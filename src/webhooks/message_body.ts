/**
 * The body of a webhook message: `{"type", "timestamp", "data"}`, built only from what the
 * message row stores, so every retry sends the same bytes (and the same signature input).
 */
import { TEST_EVENT_TYPE } from "../events/event_types.ts";

export interface MessageContent {
  eventType: string;
  occurredAt: Date;
  /** The jsonb `data` column as postgres.js parses it. */
  data: unknown;
}

/**
 * Turns the `data` a message stores into the `data` its body sends. Given by whoever
 * publishes the event type (payouts render the payout as the API shows it), so webhooks
 * deliver events without knowing what they are about.
 */
export type RenderEventData = (eventType: string, data: unknown) => unknown;

/** The JSON text to send; `webhook.test` messages, webhooks' own, carry their data as stored. */
export function messageBody(message: MessageContent, render: RenderEventData): string {
  return JSON.stringify({
    type: message.eventType,
    timestamp: message.occurredAt.toISOString(),
    data: message.eventType === TEST_EVENT_TYPE
      ? message.data
      : render(message.eventType, message.data),
  });
}
