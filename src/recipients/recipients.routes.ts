/**
 * The recipient API's route contracts: path, scope, inputs and every response each can give
 * (recipientRoute adds those any API route gives).
 */
import { apiRouteGroup, type ApiTag } from "../http/api_route.ts";
import {
  etagHeader,
  json,
  preconditionFailed,
  problem,
  sharedProblem,
} from "../http/route_responses.ts";
import { NoQuerySchema } from "../http/route_schemas.ts";
import {
  idempotencyConflicts,
  idempotencyKeyHeader,
  idempotentCreatedHeaders,
  ifMatchHeaderOf,
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

export const RECIPIENTS_TAG: ApiTag = {
  name: "Recipients",
  description: "Stored bank details (SEPA accounts checked by IBAN and BIC, or test " +
    "accounts) that payouts reference by `recipient_id`; answers mask account numbers, and " +
    "every creation, change and reveal is in the recipient's audit trail.",
};

const recipientRoute = apiRouteGroup({
  tag: RECIPIENTS_TAG,
  scopes: "recipients:read to read, recipients:write to change",
});

const ifMatchHeader = ifMatchHeaderOf("recipient");
const notFound = {
  404: sharedProblem("RecipientNotFound", "No such recipient (or it was deleted)."),
};

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
      headers: idempotentCreatedHeaders("recipient"),
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
  description: "One page at a time, account numbers masked: pass `next_cursor` back as " +
    "`cursor` for the next. Deleted recipients are not listed.",
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
  description: "The recipient with its `ETag`, its account number masked unless " +
    "`reveal=true` (scope `recipients:reveal`, recorded in its audit trail).",
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
    ...preconditionFailed,
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
    ...preconditionFailed,
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

/** Every recipient route, in the order they are registered and documented, by operationId. */
export const RECIPIENT_ROUTES = {
  createRecipient: createRecipientRoute,
  listRecipients: listRecipientsRoute,
  getRecipient: getRecipientRoute,
  updateRecipient: patchRecipientRoute,
  deleteRecipient: deleteRecipientRoute,
  listRecipientEvents: listRecipientEventsRoute,
};
