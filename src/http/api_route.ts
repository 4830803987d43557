/**
 * API route contracts that carry the scope they need, and their registration from a
 * feature's table of them, each with the handler of the same name.
 */
import {
  createRoute,
  type OpenAPIHono,
  type RouteConfig,
  type RouteHandler,
} from "@hono/zod-openapi";
import type { Scope } from "../apikeys/scopes.ts";
import type { AppEnv } from "./request_context.ts";

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

/** One handler for each route of a feature's table, under the same name. */
export type ApiHandlers<T extends Record<string, ApiRouteConfig>> = {
  [Name in keyof T]: RouteHandler<T[Name], AppEnv>;
};

/** Registers every route of `routes`, in the table's order, with its handler. */
export function registerRoutes<T extends Record<string, ApiRouteConfig>>(
  app: OpenAPIHono<AppEnv>,
  routes: T,
  handlers: ApiHandlers<T>,
): void {
  for (const name of Object.keys(routes) as (keyof T & string)[]) {
    // ApiHandlers checked each handler against its own route; the loop cannot say so.
    app.openapi(routes[name], handlers[name] as never);
  }
}
