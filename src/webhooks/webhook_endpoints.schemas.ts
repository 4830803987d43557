/** The webhook endpoint API's request and response schemas; the OpenAPI documentation too. */
import { z } from "@hono/zod-openapi";
import { boundedText, PageLimit, pageSchema } from "../http/route_schemas.ts";
import { PAYOUT_EVENT_TYPES, TEST_EVENT_TYPE } from "../events/event_types.ts";
import { DELIVERY_STATUSES, ENDPOINT_STATUSES } from "./webhook_endpoint.ts";

/** Fields clients see but cannot send: naming one in a body is a 400 saying so. */
export const WEBHOOK_READ_ONLY_FIELDS = new Set([
  "id",
  "status",
  "disabled_reason",
  "secret",
  "created_at",
  "updated_at",
]);

const ENDPOINT_ID_EXAMPLE = "5f0c7a52-8d7e-4c39-9f62-5d3b6f1c2a90";
const MESSAGE_ID_EXAMPLE = "msg_2f1d9c0e6b4a4e8f9a7b3c5d1e0f2a4b";
const SECRET_EXAMPLE = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD6ehSqM7Rjcw=";

const Url = z.string().max(2048, "must be at most 2048 characters").openapi({
  description: "Where messages are POSTed: an absolute https URL without credentials or " +
    "fragment whose host is, and resolves to, public addresses only (plain http and " +
    "private addresses only where the service allows them). Stored WHATWG-normalised.",
  format: "uri",
  example: "https://hooks.example.com/payouts",
});

const EventType = z.enum([...PAYOUT_EVENT_TYPES, "*"]);

const Events = z.array(EventType)
  .min(1, "must list at least one event type")
  .max(32, "must list at most 32 event types")
  .superRefine((events, ctx) => {
    if (new Set(events).size !== events.length) {
      ctx.addIssue({ code: "custom", message: "must not list an event type twice" });
    } else if (events.includes("*") && events.length > 1) {
      ctx.addIssue({ code: "custom", message: '"*" (every type) must be the only entry' });
    }
  })
  .openapi("WebhookEventTypes", {
    description: `Event types to receive (${PAYOUT_EVENT_TYPES.join(", ")}), each once; or ` +
      '`["*"]` (alone) for every type. `POST …/test/` sends a `' + TEST_EVENT_TYPE +
      "` message whatever the subscription.",
    uniqueItems: true,
    example: ["payout.completed", "payout.failed"],
  });

const Description = boundedText("Free text", "Ledger sync");

export const EndpointStatusSchema = z.enum(ENDPOINT_STATUSES).openapi("WebhookEndpointStatus", {
  description: "`disabled` endpoints are sent nothing; the worker disables an endpoint that " +
    "keeps failing, and setting `enabled` again clears `disabled_reason`.",
});

export const CreateEndpointBody = z.strictObject({
  url: Url,
  events: Events,
  description: Description.optional(),
}).openapi("CreateWebhookEndpoint", {
  example: {
    url: "https://hooks.example.com/payouts",
    events: ["payout.completed", "payout.failed"],
    description: "Ledger sync",
  },
});

export const PatchEndpointBody = z.strictObject({
  url: Url.optional(),
  events: Events.optional(),
  description: Description.optional(),
  status: EndpointStatusSchema.optional(),
}).refine((body) => Object.keys(body).length > 0, {
  message: "must change at least one of url, events, description, status",
}).openapi("PatchWebhookEndpoint", { minProperties: 1, example: { status: "enabled" } });

/** For POSTs that take no body: none, or an empty object. */
export const EmptyBody = z.strictObject({}).openapi("EmptyBody", {
  description: "No body, or `{}`.",
  example: {},
});

export const EndpointSchema = z.object({
  id: z.uuid().openapi({ example: ENDPOINT_ID_EXAMPLE }),
  url: z.string().openapi({ example: "https://hooks.example.com/payouts" }),
  events: Events,
  description: z.string().openapi({ example: "Ledger sync" }),
  status: EndpointStatusSchema,
  disabled_reason: z.string().nullable().openapi({
    description: "Why the endpoint is disabled; null while enabled.",
    example: null,
  }),
  created_at: z.string().openapi({ format: "date-time", example: "2026-12-03T13:11:09.123Z" }),
  updated_at: z.string().openapi({
    format: "date-time",
    description: "When it last changed; equal to created_at until its first change.",
    example: "2026-12-03T13:11:09.123Z",
  }),
}).openapi("WebhookEndpoint");

const Secret = z.string().openapi({
  description: "The signing secret (Standard Webhooks: `whsec_` + base64). Shown only when " +
    "the endpoint is created and when the secret is rotated: keep it.",
  example: SECRET_EXAMPLE,
});

export const CreatedEndpointSchema = EndpointSchema.extend({ secret: Secret })
  .openapi("CreatedWebhookEndpoint");

export const EndpointListSchema = pageSchema(EndpointSchema, "WebhookEndpointList");

export const RotatedSecretSchema = z.object({ secret: Secret }).openapi("WebhookSecret", {
  description: "The new secret. The one it replaces also signs messages (a second " +
    "`v1,` signature) until the grace period (WEBHOOK_SECRET_GRACE_MS) ends.",
});

export const DeliveryAttemptSchema = z.object({
  at: z.string().openapi({ format: "date-time", example: "2026-12-03T13:11:10.456Z" }),
  status_code: z.number().int().nullable().openapi({
    description: "The receiver's HTTP status; null when no response came.",
    example: 503,
  }),
  duration_ms: z.number().int().openapi({ example: 212 }),
  error: z.string().nullable().openapi({ example: "HTTP 503" }),
}).openapi("WebhookDeliveryAttempt");

export const DeliveryStatusSchema = z.enum(DELIVERY_STATUSES).openapi("WebhookDeliveryStatus");

export const DeliverySchema = z.object({
  id: z.string().openapi({
    description: "The message id, sent as the `webhook-id` header on every attempt.",
    example: MESSAGE_ID_EXAMPLE,
  }),
  event_type: z.string().openapi({ example: "payout.completed" }),
  payout_id: z.uuid().nullable().openapi({
    description: "The payout the event is about; null for test messages.",
    example: "0b7c2f2e-5d8c-4f5e-9a57-2f4f0f6d7a10",
  }),
  status: DeliveryStatusSchema,
  attempts: z.array(DeliveryAttemptSchema).openapi({ description: "Oldest first." }),
  next_attempt_at: z.string().nullable().openapi({
    format: "date-time",
    description: "When the next attempt is due; null unless `pending`.",
    example: "2026-12-03T13:11:15.456Z",
  }),
  created_at: z.string().openapi({ format: "date-time", example: "2026-12-03T13:11:09.123Z" }),
  delivered_at: z.string().nullable().openapi({ format: "date-time", example: null }),
}).openapi("WebhookDelivery");

export const DeliveryListSchema = pageSchema(DeliverySchema, "WebhookDeliveryList");

const Cursor = z.string().optional().openapi({ description: "`next_cursor` of the last page." });

export const EndpointListQuery = z.strictObject({ limit: PageLimit, cursor: Cursor });

export const DeliveryListQuery = z.strictObject({
  limit: PageLimit,
  cursor: Cursor,
  status: DeliveryStatusSchema.optional().openapi({ description: "Only messages in this status." }),
});

export const EndpointIdParams = z.object({
  id: z.string().openapi({
    param: { name: "id", in: "path" },
    description: "The webhook endpoint's id (a malformed one is a 404).",
    format: "uuid",
    example: ENDPOINT_ID_EXAMPLE,
  }),
});

export const MessageParams = EndpointIdParams.extend({
  message_id: z.string().openapi({
    param: { name: "message_id", in: "path" },
    description: "The message's id, as its delivery log and `webhook-id` header show it.",
    pattern: "^msg_[0-9a-f]{32}$",
    example: MESSAGE_ID_EXAMPLE,
  }),
});
