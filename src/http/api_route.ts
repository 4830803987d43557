/**
 * API route contracts that carry the scope they need (one feature's share what every API
 * route declares), and their registration from a feature's table of them, each with the
 * handler of the same name: that name is the operation's `operationId`.
 */
import {
  createRoute,
  type OpenAPIHono,
  type RouteConfig,
  type RouteHandler,
} from "@hono/zod-openapi";
import type { Scope } from "../apikeys/scopes.ts";
import type { AppEnv } from "./request_context.ts";
import {
  bodyResponses,
  commonResponses,
  ProblemSchema,
  RESPONSE_HEADERS,
  responseComponent,
  withRequestId,
} from "./route_responses.ts";

/**
 * createRoute's config plus the scope an API key needs for the route. Whether its body may
 * be left out is what OpenAPI says already: `request.body.required: false`.
 */
export type ApiRouteConfig = RouteConfig & { scope: Scope };

/**
 * A route contract as createRoute makes it, that also names its scope. The scope is not
 * enumerable, as createRoute's own `getRoutingPath` is not: zod-openapi copies the
 * contract's own properties into the OpenAPI document, and this one is not documentation.
 */
export function apiRoute<P extends string, R extends Omit<ApiRouteConfig, "path"> & { path: P }>(
  config: R,
): R {
  const { scope, ...contract } = config;
  return Object.defineProperty(createRoute(contract), "scope", {
    value: scope,
    enumerable: false,
  }) as unknown as R;
}

/** Every route behind an API key: the scheme registerRoutes registers as `bearerAuth`. */
const SECURITY = [{ bearerAuth: [] }];

/** A feature's OpenAPI tag, declared at the top of the document with its description. */
export interface ApiTag {
  name: string;
  description: string;
}

/**
 * apiRoute for the routes of one feature (`tag`): each gets bearer security, the responses
 * any API route can give (its 403 naming `scopes`), and 413 and 415 when it reads a body,
 * each a reference to the one shared response of that status;
 * the responses a route declares come last, so a status of its own (a 403 naming four
 * eyes, say) wins. Every response declares the `X-Request-Id` every answer carries; every
 * route must give a summary and a description.
 */
export function apiRouteGroup(group: { tag: ApiTag; scopes: string }) {
  const tags = [group.tag.name];
  const common = commonResponses(group.tag.name, group.scopes);
  return <
    P extends string,
    R extends
      & Omit<ApiRouteConfig, "path" | "tags" | "security">
      & { path: P; summary: string; description: string },
  >(
    config: R,
  ): Omit<R, "responses"> & { responses: typeof common & R["responses"] } => {
    const reads = config.request?.body ? bodyResponses : {};
    return apiRoute({
      tags,
      security: SECURITY,
      ...config,
      responses: withRequestId({ ...common, ...reads, ...config.responses }),
    });
  };
}

/** One handler for each route of a feature's table, under the same name. */
export type ApiHandlers<T extends Record<string, ApiRouteConfig>> = {
  [Name in keyof T]: RouteHandler<T[Name], AppEnv>;
};

/**
 * Registers every route of `routes`, in the table's order, with its handler; the name of
 * each in the table is its `operationId` (so no route can lack one), and the components
 * the routes refer to (the bearer scheme, the Problem schema, the shared responses and
 * response headers) are registered too.
 */
export function registerRoutes<T extends Record<string, ApiRouteConfig>>(
  app: OpenAPIHono<AppEnv>,
  routes: T,
  handlers: ApiHandlers<T>,
): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "An API key from `deno task apikey create NAME`.",
  });
  // Shared responses name the Problem schema by reference; no route need give it inline.
  app.openAPIRegistry.register("Problem", ProblemSchema);
  for (const [name, header] of Object.entries(RESPONSE_HEADERS)) {
    app.openAPIRegistry.registerComponent("headers", name, header);
  }
  // Only the shared responses some route refers to, so none is left unused.
  for (const route of Object.values(routes)) {
    for (const response of Object.values(route.responses)) {
      const shared = responseComponent(response);
      if (shared) app.openAPIRegistry.registerComponent("responses", shared.name, shared.response);
    }
  }
  for (const name of Object.keys(routes) as (keyof T & string)[]) {
    // The spread leaves `scope` out (not enumerable): it is not documentation.
    const route = { ...routes[name], operationId: name };
    // ApiHandlers checked each handler against its own route; the loop cannot say so.
    app.openapi(route, handlers[name] as never);
  }
}
