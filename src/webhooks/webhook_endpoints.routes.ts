/**
 * The webhook endpoint API's route contracts: path, scope, inputs and every response each
 * gives (webhookRoute adds those any API route gives).
 */
import { apiRouteGroup } from "../http/api_route.ts";
import { json, problem } from "../http/route_responses.ts";
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

const webhookRoute = apiRouteGroup({
  tag: "Webhooks",
  scopes: "webhooks:read to read, webhooks:write to change",
});
const notFound = { 404: problem("No such webhook endpoint (or it was deleted).") };
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

/** Every webhook endpoint route, in the order they are registered and documented. */
export const WEBHOOK_ENDPOINT_ROUTES = {
  createEndpoint: createEndpointRoute,
  listEndpoints: listEndpointsRoute,
  getEndpoint: getEndpointRoute,
  patchEndpoint: patchEndpointRoute,
  deleteEndpoint: deleteEndpointRoute,
  rotateSecret: rotateSecretRoute,
  sendTest: sendTestRoute,
  listDeliveries: listDeliveriesRoute,
  retryDelivery: retryDeliveryRoute,
};
