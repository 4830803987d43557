/**
 * The recipient API's route contracts: path, scope, inputs and every response each can give
 * (recipientRoute adds those any API route gives).
 */
import { apiRouteGroup } from "../http/api_route.ts";
import { json, problem } from "../http/route_responses.ts";
import { NoQuerySchema } from "../http/route_schemas.ts";
import {
  entityTagHeaders,
  idempotencyConflicts,
  idempotencyKeyHeader,
  idempotentCreatedHeaders,
} from "../payouts/payouts.routes.ts";
import {
  CreateRecipientBody,
  GetRecipientQuery,
  PatchRecipientBody,
  RecipientEventListSchema,
  RecipientIdParams,
  RecipientListQuery,
  RecipientListSchema,
  RecipientSchema,
} from "./recipients.schemas.ts";

const recipientRoute = apiRouteGroup({
  tag: "Recipients",
  scopes: "recipients:read to read, recipients:write to change",
});

const { etagHeader, ifMatchHeader } = entityTagHeaders("recipient");
const notFound = { 404: problem("No such recipient (or it was deleted).") };
const stale = { 412: problem("If-Match does not match; the current ETag is in the response.") };

export const createRecipientRoute = recipientRoute({
  method: "post",
  path: "/recipients",
  scope: "recipients:write",
  parameters: [idempotencyKeyHeader],
  summary: "Store a recipient's bank details",
  description: "A `sepa` recipient's IBAN is checked (country, length, format, check digits) " +
    "and its BIC, if given, must be of the IBAN's country. The answer masks the account " +
    "number; payouts may then give `recipient_id` instead of `recipient_details`.",
  request: {
    query: NoQuerySchema,
    body: { ...json(CreateRecipientBody), required: true },
  },
  responses: {
    201: {
      description: "Created.",
      headers: idempotentCreatedHeaders("recipient", etagHeader),
      ...json(RecipientSchema),
    },
    ...idempotencyConflicts,
  },
});

export const listRecipientsRoute = recipientRoute({
  method: "get",
  path: "/recipients",
  scope: "recipients:read",
  summary: "List recipients, newest first",
  request: { query: RecipientListQuery },
  responses: {
    200: { description: "One page; account numbers masked.", ...json(RecipientListSchema) },
  },
});

export const getRecipientRoute = recipientRoute({
  method: "get",
  path: "/recipients/{id}",
  scope: "recipients:read",
  summary: "Get a recipient (`?reveal=true`: with its account number)",
  request: { params: RecipientIdParams, query: GetRecipientQuery },
  responses: {
    200: {
      description: "The recipient, its account number masked unless revealed.",
      headers: etagHeader,
      ...json(RecipientSchema),
    },
    403: problem(
      "The key lacks recipients:read, or asks for `reveal=true` without recipients:reveal " +
        "(`detail` names the scope).",
    ),
    ...notFound,
  },
});

export const patchRecipientRoute = recipientRoute({
  method: "patch",
  path: "/recipients/{id}",
  scope: "recipients:write",
  parameters: [ifMatchHeader],
  summary: "Change a recipient",
  description: "Payouts already made keep the details they copied; only payouts made (or " +
    "given this `recipient_id` by a PATCH) afterwards pay the new ones. `type` cannot change.",
  request: {
    params: RecipientIdParams,
    query: NoQuerySchema,
    body: { ...json(PatchRecipientBody), required: true },
  },
  responses: {
    200: { description: "The updated recipient.", headers: etagHeader, ...json(RecipientSchema) },
    ...notFound,
    ...stale,
  },
});

export const deleteRecipientRoute = recipientRoute({
  method: "delete",
  path: "/recipients/{id}",
  scope: "recipients:write",
  parameters: [ifMatchHeader],
  summary: "Delete a recipient",
  description: "Gone from the API (404 from then on; new payouts cannot reference it); " +
    "payouts that copied it keep their copy, and its row stays for their audit.",
  request: { params: RecipientIdParams, query: NoQuerySchema },
  responses: {
    204: { description: "Deleted." },
    ...notFound,
    ...stale,
  },
});

export const listRecipientEventsRoute = recipientRoute({
  method: "get",
  path: "/recipients/{id}/events",
  scope: "recipients:read",
  summary: "The recipient's audit trail, oldest first",
  description: "Who created, changed and revealed it, with the request id of each.",
  request: { params: RecipientIdParams, query: NoQuerySchema },
  responses: {
    200: { description: "Events.", ...json(RecipientEventListSchema) },
    ...notFound,
  },
});

/** Every recipient route, in the order they are registered and documented. */
export const RECIPIENT_ROUTES = {
  createRecipient: createRecipientRoute,
  listRecipients: listRecipientsRoute,
  getRecipient: getRecipientRoute,
  patchRecipient: patchRecipientRoute,
  deleteRecipient: deleteRecipientRoute,
  listRecipientEvents: listRecipientEventsRoute,
};
