/** Webhook endpoints and their deliveries as the rest of the service sees them: plain data. */
import type { SubscribedEvent } from "../events/event_types.ts";

export const ENDPOINT_STATUSES = ["enabled", "disabled"] as const;
export type EndpointStatus = (typeof ENDPOINT_STATUSES)[number];

export const DELIVERY_STATUSES = ["pending", "delivered", "failed"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface WebhookEndpoint {
  id: string;
  url: string;
  /** Event types, or `["*"]` for every type. */
  events: SubscribedEvent[];
  description: string;
  status: EndpointStatus;
  disabledReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** One try at delivering a message, as the worker recorded it. */
export interface DeliveryAttempt {
  at: Date;
  /** The receiver's HTTP status; null when no response came (timeout, refused, DNS). */
  statusCode: number | null;
  durationMs: number;
  error: string | null;
}

/** A webhook message to one endpoint and the attempts made to deliver it, oldest first. */
export interface WebhookDelivery {
  id: string;
  eventType: string;
  payoutId: string | null;
  status: DeliveryStatus;
  attempts: DeliveryAttempt[];
  nextAttemptAt: Date;
  createdAt: Date;
  deliveredAt: Date | null;
}

/** A message being retried or given up on, over every endpoint, for the operator console. */
export interface FailingDelivery {
  messageId: string;
  endpointId: string;
  endpointUrl: string;
  endpointStatus: EndpointStatus;
  eventType: string;
  payoutId: string | null;
  /** `failed`: given up on; `pending`: at least one attempt failed, retries to come. */
  status: "pending" | "failed";
  attemptCount: number;
  nextAttemptAt: Date;
  lastAttempt: { at: Date; statusCode: number | null; error: string | null } | null;
}
