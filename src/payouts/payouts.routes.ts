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
import { apiRouteGroup } from "../http/api_route.ts";
import { problem } from "../http/route_responses.ts";
import { NoQuerySchema } from "../http/route_schemas.ts";
import {
  IDEMPOTENCY_HEADER,
  IDEMPOTENCY_KEY_CHARACTER,
  IDEMPOTENCY_KEY_MAX_LENGTH,
} from "../idempotency/idempotency_key.ts";

const payoutRoute = apiRouteGroup({
  tag: "Payouts",
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
 * A resource's entity tag as its answers carry it (`ETag`) and as a change may name it
 * (`If-Match`), for every resource that has versions (payouts, recipients).
 */
export function entityTagHeaders(resource: string) {
  return {
    etagHeader: {
      ETag: {
        schema: { type: "string" as const },
        description: `Strong entity tag of the ${resource}.`,
      },
    },
    ifMatchHeader: optionalHeader(
      "if-match",
      `Only act if the ${resource}'s ETag matches (\`*\` or a list).`,
      {},
    ),
  };
}

const { etagHeader, ifMatchHeader } = entityTagHeaders("payout");

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
export function idempotentCreatedHeaders(resource: string, etag: typeof etagHeader) {
  return {
    ...etag,
    Location: { schema: { type: "string" as const }, description: `URL of the new ${resource}.` },
    "Idempotent-Replayed": {
      schema: { type: "string" as const, enum: ["true"] },
      description: "Present on a replay of an earlier request with the same key.",
    },
  };
}

/** What a create under `idempotencyKeyHeader` answers when the key is busy or reused. */
export const idempotencyConflicts = {
  409: problem("A request with this Idempotency-Key is still in flight."),
  422: problem("This Idempotency-Key was used with a different body."),
};

export const createPayoutRoute = payoutRoute({
  method: "post",
  path: "/payouts",
  scope: "payouts:write",
  parameters: [idempotencyKeyHeader],
  summary: "Create a payout",
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
      headers: idempotentCreatedHeaders("payout", etagHeader),
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
    404: problem("No such payout."),
    409: problem("The payout is neither `pending` nor `needs_approval`."),
    412: problem("If-Match does not match; the current ETag is in the response."),
  },
});

export const cancelPayoutRoute = payoutRoute({
  method: "delete",
  path: "/payouts/{id}",
  scope: "payouts:write",
  parameters: [ifMatchHeader],
  summary: "Cancel a pending payout (or one awaiting approval)",
  request: { params: PayoutIdParams, query: NoQuerySchema },
  responses: {
    204: { description: "Canceled; the payout is never paid and is gone from the API." },
    404: problem("No such payout."),
    409: problem("The payout is neither `pending` nor `needs_approval`."),
    412: problem("If-Match does not match; the current ETag is in the response."),
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
    404: problem("No such payout."),
    409: problem("The payout is not in `needs_approval`."),
    412: problem("If-Match does not match; the current ETag is in the response."),
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
    404: problem("No such payout."),
    409: problem("The payout is not in `needs_approval`."),
    412: problem("If-Match does not match; the current ETag is in the response."),
  },
});

export const listEventsRoute = payoutRoute({
  method: "get",
  path: "/payouts/{id}/events",
  scope: "payouts:read",
  summary: "The payout's audit trail, oldest first",
  request: { params: PayoutIdParams, query: NoQuerySchema },
  responses: {
    200: {
      description: "Events.",
      content: { "application/json": { schema: PayoutEventListSchema } },
    },
    404: problem("No such payout."),
  },
});

/** Every payout route, in the order they are registered and documented. */
export const PAYOUT_ROUTES = {
  createPayout: createPayoutRoute,
  listPayouts: listPayoutsRoute,
  getPayout: getPayoutRoute,
  patchPayout: patchPayoutRoute,
  cancelPayout: cancelPayoutRoute,
  approvePayout: approvePayoutRoute,
  rejectPayout: rejectPayoutRoute,
  listEvents: listEventsRoute,
};
