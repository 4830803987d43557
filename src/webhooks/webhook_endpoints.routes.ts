/**
 * The webhook endpoint API's route contracts: path, scope, inputs and every response each
 * gives (webhookRoute adds those any API route gives).
 */
import { apiRouteGroup, type ApiTag } from "../http/api_route.ts";
import { json, problem, sharedProblem } from "../http/route_responses.ts";
import { NoQuerySchema } from "../http/route_schemas.ts";
import {
  CreatedEndpointSchema,
  CreateEndpointBody,
  DeliveryListQuery,
  DeliveryListSchema,
  DeliverySchema,
  EmptyBody,
  EndpointIdParams,
  EndpointListQuery,
  EndpointListSchema,
  EndpointSchema,
  MessageParams,
  PatchEndpointBody,
  RotatedSecretSchema,
} from "./webhook_endpoints.schemas.ts";

export const WEBHOOKS_TAG: ApiTag = {
  name: "Webhooks",
  description: "Endpoints that receive payout events as signed (Standard Webhooks) messages, " +
    "delivered at least once and retried for about 28 hours, with a delivery log per " +
    "endpoint.",
};

const webhookRoute = apiRouteGroup({
  tag: WEBHOOKS_TAG,
  scopes: "webhooks:read to read, webhooks:write to change",
});
const notFound = {
  404: sharedProblem("WebhookEndpointNotFound", "No such webhook endpoint (or it was deleted)."),
};
const disabled = (what: string) => ({
  409: problem(`The endpoint is disabled: ${what}. Enable it first.`),
});

const noBody = { ...json(EmptyBody), required: false };

export const createEndpointRoute = webhookRoute({
  method: "post",
  path: "/webhook-endpoints",
  scope: "webhooks:write",
  summary: "Subscribe a URL to payout events",
  description: "The answer is the only one that shows the signing secret (besides a " +
    "rotation's). The URL is checked when saved and again before every delivery.",
  request: {
    query: NoQuerySchema,
    body: { ...json(CreateEndpointBody), required: true },
  },
  responses: {
    201: {
      description: "Created and enabled.",
      headers: {
        Location: { schema: { type: "string" }, description: "URL of the new endpoint." },
      },
      ...json(CreatedEndpointSchema),
    },
  },
});

export const listEndpointsRoute = webhookRoute({
  method: "get",
  path: "/webhook-endpoints",
  scope: "webhooks:read",
  summary: "List webhook endpoints, newest first",
  description: "One page at a time (never the secrets): pass `next_cursor` back as `cursor` " +
    "for the next. Deleted endpoints are not listed.",
  request: { query: EndpointListQuery },
  responses: {
    200: { description: "One page.", ...json(EndpointListSchema) },
  },
});

export const getEndpointRoute = webhookRoute({
  method: "get",
  path: "/webhook-endpoints/{id}",
  scope: "webhooks:read",
  summary: "Get a webhook endpoint",
  description: "The endpoint, its subscription and status; never its signing secret.",
  request: { params: EndpointIdParams, query: NoQuerySchema },
  responses: {
    200: { description: "The endpoint (never its secret).", ...json(EndpointSchema) },
    ...notFound,
  },
});

export const patchEndpointRoute = webhookRoute({
  method: "patch",
  path: "/webhook-endpoints/{id}",
  scope: "webhooks:write",
  summary: "Change, disable or re-enable a webhook endpoint",
  description: "Changes any of the fields given. A new URL is checked as at creation; " +
    "`status: enabled` clears `disabled_reason`, `disabled` stops every delivery to it.",
  request: {
    params: EndpointIdParams,
    query: NoQuerySchema,
    body: { ...json(PatchEndpointBody), required: true },
  },
  responses: {
    200: { description: "The updated endpoint.", ...json(EndpointSchema) },
    ...notFound,
  },
});

export const deleteEndpointRoute = webhookRoute({
  method: "delete",
  path: "/webhook-endpoints/{id}",
  scope: "webhooks:write",
  summary: "Delete a webhook endpoint",
  description: "Its pending messages fail at once and nothing more is sent to it; it is " +
    "gone from the API, its delivery log is kept for audit.",
  request: { params: EndpointIdParams, query: NoQuerySchema },
  responses: {
    204: { description: "Deleted." },
    ...notFound,
  },
});

export const rotateSecretRoute = webhookRoute({
  method: "post",
  path: "/webhook-endpoints/{id}/rotate-secret",
  scope: "webhooks:write",
  summary: "Replace the signing secret",
  description: "Answers the new secret, shown only here. The old one also signs messages " +
    "(a second `v1,` signature) until the grace period ends, so receivers can switch over.",
  request: { params: EndpointIdParams, query: NoQuerySchema, body: noBody },
  responses: {
    200: { description: "The new secret.", ...json(RotatedSecretSchema) },
    ...notFound,
  },
});

export const sendTestRoute = webhookRoute({
  method: "post",
  path: "/webhook-endpoints/{id}/test",
  scope: "webhooks:write",
  summary: "Send the endpoint a test message",
  description: "Queues a `webhook.test` message (data: `endpoint_id`, `message`) delivered " +
    "like any other; follow it in the delivery log.",
  request: { params: EndpointIdParams, query: NoQuerySchema, body: noBody },
  responses: {
    202: {
      description: "Queued; the message as its delivery log shows it.",
      ...json(DeliverySchema),
    },
    ...notFound,
    ...disabled("it would not be delivered"),
  },
});

export const listDeliveriesRoute = webhookRoute({
  method: "get",
  path: "/webhook-endpoints/{id}/deliveries",
  scope: "webhooks:read",
  summary: "The endpoint's delivery log, newest first",
  description: "Every message sent (or to be sent) to the endpoint with each attempt's " +
    "status code, duration and error, one page at a time; `status` filters.",
  request: { params: EndpointIdParams, query: DeliveryListQuery },
  responses: {
    200: { description: "One page, each message with its attempts.", ...json(DeliveryListSchema) },
    ...notFound,
  },
});

export const retryDeliveryRoute = webhookRoute({
  method: "post",
  path: "/webhook-endpoints/{id}/deliveries/{message_id}/retry",
  scope: "webhooks:write",
  summary: "Deliver a message again, now",
  description: "Makes the message `pending` and due now, whatever its status. A message " +
    "being delivered at this moment is not sent twice at once.",
  request: { params: MessageParams, query: NoQuerySchema, body: noBody },
  responses: {
    202: {
      description: "Queued; the message as its delivery log shows it.",
      ...json(DeliverySchema),
    },
    404: problem("No such webhook endpoint, or no such message sent to it."),
    ...disabled("nothing is delivered to it"),
  },
});

/**
 * Every webhook endpoint route, in the order they are registered and documented, by
 * operationId.
 */
export const WEBHOOK_ENDPOINT_ROUTES = {
  createWebhookEndpoint: createEndpointRoute,
  listWebhookEndpoints: listEndpointsRoute,
  getWebhookEndpoint: getEndpointRoute,
  updateWebhookEndpoint: patchEndpointRoute,
  deleteWebhookEndpoint: deleteEndpointRoute,
  rotateWebhookEndpointSecret: rotateSecretRoute,
  testWebhookEndpoint: sendTestRoute,
  listWebhookEndpointDeliveries: listDeliveriesRoute,
  retryWebhookEndpointDelivery: retryDeliveryRoute,
};
