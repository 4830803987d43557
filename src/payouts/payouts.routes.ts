/**
 * The payout API's route contracts: path, scope, inputs and every response each can give
 * (payoutRoute adds those any API route gives).
 */
import {
  ApprovePayoutBody,
  CreatePayoutBody,
  ListQuerySchema,
  PatchPayoutBody,
  PayoutEventListSchema,
  PayoutIdParams,
  PayoutListSchema,
  PayoutSchema,
  RejectPayoutBody,
} from "./payouts.schemas.ts";
import { apiRouteGroup, type ApiTag } from "../http/api_route.ts";
import { etagHeader, preconditionFailed, problem, sharedProblem } from "../http/route_responses.ts";
import { NoQuerySchema } from "../http/route_schemas.ts";
import {
  IDEMPOTENCY_HEADER,
  IDEMPOTENCY_KEY_CHARACTER,
  IDEMPOTENCY_KEY_MAX_LENGTH,
} from "../idempotency/idempotency_key.ts";

export const PAYOUTS_TAG: ApiTag = {
  name: "Payouts",
  description: "Payout requests: created, read, changed and canceled while `pending`, held " +
    "for a second key's approval or until `scheduled_for`, then carried by the workers " +
    "through `processing` to `completed`, `failed` or `returned`, each change in the audit " +
    "trail.",
};

const payoutRoute = apiRouteGroup({
  tag: PAYOUTS_TAG,
  scopes: "payouts:read to read, payouts:write to change, payouts:approve to approve or reject",
});

/**
 * Request headers are documented as plain parameters, not as a zod `headers` schema: the
 * handlers parse them themselves (with their own errors), and a schema would only add a
 * validator that copies every header of every request into an object and accepts any string.
 */
export function optionalHeader(name: string, description: string, schema: Record<string, unknown>) {
  return {
    name,
    in: "header" as const,
    required: false,
    description,
    schema: { type: "string" as const, description, ...schema },
  };
}

/**
 * The `If-Match` a change of a versioned resource (payouts, recipients) may send; its
 * answers carry the resource's `ETag` (route_responses.ts).
 */
export function ifMatchHeaderOf(resource: string) {
  return optionalHeader(
    "if-match",
    `Only act if the ${resource}'s ETag matches (\`*\` or a list).`,
    {},
  );
}

const ifMatchHeader = ifMatchHeaderOf("payout");

/** The answers several payout routes give in the same words, each shared once. */
const payoutNotFound = { 404: sharedProblem("PayoutNotFound", "No such payout.") };
const notChangeable = {
  409: sharedProblem(
    "PayoutNotChangeable",
    "The payout is neither `pending` nor `needs_approval`.",
  ),
};
const notAwaitingApproval = {
  409: sharedProblem("PayoutNotAwaitingApproval", "The payout is not in `needs_approval`."),
};

// The same limits parseIdempotencyKey enforces; recipients take the same header.
export const idempotencyKeyHeader = optionalHeader(
  IDEMPOTENCY_HEADER.toLowerCase(),
  `1–${IDEMPOTENCY_KEY_MAX_LENGTH} printable ASCII characters; retries with the same key and ` +
    "body replay the first response for at least 24 hours.",
  {
    minLength: 1,
    maxLength: IDEMPOTENCY_KEY_MAX_LENGTH,
    pattern: `^${IDEMPOTENCY_KEY_CHARACTER}+$`,
    example: "order-1138",
  },
);

/**
 * The headers of the 201 a create under `idempotencyKeyHeader` answers with (recipients
 * use it too): the new `resource`'s ETag (`etag`) and URL, and the replay marker.
 */
export function idempotentCreatedHeaders(resource: string) {
  return {
    ...etagHeader,
    Location: { schema: { type: "string" as const }, description: `URL of the new ${resource}.` },
    "Idempotent-Replayed": {
      schema: { type: "string" as const, enum: ["true"] },
      description: "Present on a replay of an earlier request with the same key.",
    },
  };
}

/** What a create under `idempotencyKeyHeader` answers when the key is busy or reused. */
export const idempotencyConflicts = {
  409: sharedProblem(
    "IdempotencyKeyInFlight",
    "A request with this Idempotency-Key is still in flight.",
  ),
  422: sharedProblem(
    "IdempotencyKeyReused",
    "This Idempotency-Key was used with a different body.",
  ),
};

export const createPayoutRoute = payoutRoute({
  method: "post",
  path: "/payouts",
  scope: "payouts:write",
  parameters: [idempotencyKeyHeader],
  summary: "Create a payout",
  description: "Validates the payout, stores it with its `created` event and queues it for " +
    "processing. With an `Idempotency-Key`, a retry with the same body replays the first " +
    "answer (`Idempotent-Replayed: true`) for at least 24 hours.",
  request: {
    query: NoQuerySchema,
    body: { content: { "application/json": { schema: CreatePayoutBody } }, required: true },
  },
  responses: {
    201: {
      description: "Created; status `pending`, or `needs_approval` when the request asks for " +
        "an approval or the amount is at or above its currency's threshold. A `recipient_id` " +
        "that names no recipient (or a deleted one), or one bound to another currency, is a " +
        "400 naming it.",
      headers: idempotentCreatedHeaders("payout"),
      content: { "application/json": { schema: PayoutSchema } },
    },
    ...idempotencyConflicts,
  },
});

export const listPayoutsRoute = payoutRoute({
  method: "get",
  path: "/payouts",
  scope: "payouts:read",
  summary: "List payouts, newest first",
  description: "One page at a time: pass `next_cursor` back as `cursor` for the next. " +
    "Following the cursors visits every payout that existed when the walk began exactly " +
    "once, even while new ones are created. Canceled payouts are not listed.",
  request: { query: ListQuerySchema },
  responses: {
    200: {
      description: "One page.",
      content: { "application/json": { schema: PayoutListSchema } },
    },
  },
});

export const getPayoutRoute = payoutRoute({
  method: "get",
  path: "/payouts/{id}",
  scope: "payouts:read",
  summary: "Get a payout",
  description: "The payout as it is now, with its `ETag`. A canceled payout, or an id that " +
    "is not a UUID, is a 404.",
  request: { params: PayoutIdParams, query: NoQuerySchema },
  responses: {
    200: {
      description: "The payout.",
      headers: etagHeader,
      content: { "application/json": { schema: PayoutSchema } },
    },
    404: problem("No such payout (or it was canceled)."),
  },
});

export const patchPayoutRoute = payoutRoute({
  method: "patch",
  path: "/payouts/{id}",
  scope: "payouts:write",
  parameters: [ifMatchHeader],
  summary: "Change a pending payout (or one awaiting approval)",
  description: "Changes any of the fields given; the result must be valid as a whole (a " +
    "new currency keeps the amount only if it needs no rounding). With `If-Match`, only if " +
    "the payout did not change since that ETag.",
  request: {
    params: PayoutIdParams,
    query: NoQuerySchema,
    body: { content: { "application/json": { schema: PatchPayoutBody } }, required: true },
  },
  responses: {
    200: {
      description: "The updated payout.",
      headers: etagHeader,
      content: { "application/json": { schema: PayoutSchema } },
    },
    ...payoutNotFound,
    ...notChangeable,
    ...preconditionFailed,
  },
});

export const cancelPayoutRoute = payoutRoute({
  method: "delete",
  path: "/payouts/{id}",
  scope: "payouts:write",
  parameters: [ifMatchHeader],
  summary: "Cancel a pending payout (or one awaiting approval)",
  description: "The payout becomes `canceled`: it is never paid and is gone from the API " +
    "(404 from then on), while its row and audit trail stay for audit.",
  request: { params: PayoutIdParams, query: NoQuerySchema },
  responses: {
    204: { description: "Canceled; the payout is never paid and is gone from the API." },
    ...payoutNotFound,
    ...notChangeable,
    ...preconditionFailed,
  },
});

export const approvePayoutRoute = payoutRoute({
  method: "post",
  path: "/payouts/{id}/approve",
  scope: "payouts:approve",
  parameters: [ifMatchHeader],
  summary: "Approve a payout awaiting approval (scope payouts:approve)",
  description: "`needs_approval → pending`: processing follows, or waits for `scheduled_for`. " +
    "The key that created or last changed the payout may not approve it (four eyes).",
  request: {
    params: PayoutIdParams,
    query: NoQuerySchema,
    body: {
      content: { "application/json": { schema: ApprovePayoutBody } },
      required: false,
      description: "None, or `{}`.",
    },
  },
  responses: {
    200: {
      description: "The approved payout, now `pending`.",
      headers: etagHeader,
      content: { "application/json": { schema: PayoutSchema } },
    },
    403: problem(
      "The key lacks payouts:approve, or created or last changed the payout (four eyes).",
    ),
    ...payoutNotFound,
    ...notAwaitingApproval,
    ...preconditionFailed,
  },
});

export const rejectPayoutRoute = payoutRoute({
  method: "post",
  path: "/payouts/{id}/reject",
  scope: "payouts:approve",
  parameters: [ifMatchHeader],
  summary: "Reject a payout awaiting approval (scope payouts:approve)",
  description: "The terminal status `rejected`, with the reason as `failure_reason`: never " +
    "paid, still visible.",
  request: {
    params: PayoutIdParams,
    query: NoQuerySchema,
    body: {
      content: { "application/json": { schema: RejectPayoutBody } },
      required: false,
      description: "None, `{}`, or a reason.",
    },
  },
  responses: {
    200: {
      description: "The rejected payout.",
      headers: etagHeader,
      content: { "application/json": { schema: PayoutSchema } },
    },
    ...payoutNotFound,
    ...notAwaitingApproval,
    ...preconditionFailed,
  },
});

export const listEventsRoute = payoutRoute({
  method: "get",
  path: "/payouts/{id}/events",
  scope: "payouts:read",
  summary: "The payout's audit trail, oldest first",
  description: "Every change of the payout (`created`, `updated`, `canceled`, " +
    "`status_changed`, `attempt_failed`, ...) with who made it (`api:<key name>` or " +
    "`worker:<consumer>`) and when.",
  request: { params: PayoutIdParams, query: NoQuerySchema },
  responses: {
    200: {
      description: "Events.",
      content: { "application/json": { schema: PayoutEventListSchema } },
    },
    ...payoutNotFound,
  },
});

/**
 * Every payout route, in the order they are registered and documented, under its
 * operationId (verb and noun, stable: generated clients name their methods after it).
 */
export const PAYOUT_ROUTES = {
  createPayout: createPayoutRoute,
  listPayouts: listPayoutsRoute,
  getPayout: getPayoutRoute,
  updatePayout: patchPayoutRoute,
  cancelPayout: cancelPayoutRoute,
  approvePayout: approvePayoutRoute,
  rejectPayout: rejectPayoutRoute,
  listPayoutEvents: listEventsRoute,
};
