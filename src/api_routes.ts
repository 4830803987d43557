/**
 * Every route of the API in one table: the payout, recipient and webhook endpoint contracts
 * (each with its scope and whether its body is optional) and the public schema and docs
 * pages. The 405 table, the scope each request needs and the optional bodies are all
 * derived from it.
 */
import { routeTable } from "./http/route_table.ts";
import type { ApiTag } from "./http/api_route.ts";
import { PAYOUT_ROUTES, PAYOUTS_TAG } from "./payouts/payouts.routes.ts";
import { RECIPIENT_ROUTES, RECIPIENTS_TAG } from "./recipients/recipients.routes.ts";
import { WEBHOOK_ENDPOINT_ROUTES, WEBHOOKS_TAG } from "./webhooks/webhook_endpoints.routes.ts";
import type { Scope } from "./apikeys/scopes.ts";

/** Public, outside the OpenAPI document: the document itself and its Swagger UI page. */
export const SCHEMA_ROUTE = { method: "get", path: "/schema" } as const;
export const DOCS_ROUTE = { method: "get", path: "/docs" } as const;

export const API_ROUTES = routeTable([
  ...Object.values(PAYOUT_ROUTES),
  ...Object.values(RECIPIENT_ROUTES),
  ...Object.values(WEBHOOK_ENDPOINT_ROUTES),
  SCHEMA_ROUTE,
  DOCS_ROUTE,
]);

/** The tag of each feature's routes, in the order the document declares them. */
export const API_TAGS: readonly ApiTag[] = [PAYOUTS_TAG, RECIPIENTS_TAG, WEBHOOKS_TAG];

/**
 * The scope a request needs, from its path (prefix and trailing slash removed) and method;
 * undefined for paths no scope guards (see RouteTable.scopeFor).
 */
export function scopeFor(path: string, method: string): Scope | undefined {
  return API_ROUTES.scopeFor(path, method);
}
