/** Assembles the HTTP application from ready-made services; connects to nothing itself. */
import { OpenAPIHono } from "@hono/zod-openapi";
import { Hono, type MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { API_ROUTES, API_TAGS, DOCS_ROUTE, SCHEMA_ROUTE } from "./api_routes.ts";
import type { ApiKeyService } from "./apikeys/apikeys.service.ts";
import { type ConsoleDeps, consoleRoutes } from "./console/handlers.tsx";
import { CONSOLE_PREFIX } from "./console/env.ts";
import { bearerAuth } from "./http/auth.ts";
import { mountDocs } from "./http/docs.ts";
import { type Check, mountHealth } from "./http/health.ts";
import { methodGuard } from "./http/method_guard.ts";
import { optionalJsonBody } from "./http/optional_json_body.ts";
import { problem, problemFor, sendProblem } from "./http/problem.ts";
import { scopeGuard } from "./http/scope_guard.ts";
import { type AppEnv, requestContext, type RequestObserver } from "./http/request_context.ts";
import type { Logger } from "./log.ts";
import { payoutRoutes } from "./payouts/payouts.handlers.ts";
import type { PayoutService } from "./payouts/payouts.service.ts";
import { recipientRoutes } from "./recipients/recipients.handlers.ts";
import type { RecipientService } from "./recipients/recipients.service.ts";
import { webhookEndpointRoutes } from "./webhooks/webhook_endpoints.handlers.ts";
import type { WebhookEndpointService } from "./webhooks/webhook_endpoints.service.ts";

export const API_PREFIXES = ["/api", "/api/v1"];

export interface AppDeps {
  payouts: PayoutService;
  /** The webhook endpoint API; its routes are mounted (and documented) only when given. */
  webhooks?: WebhookEndpointService;
  /** The recipient API; its routes are mounted (and documented) only when given. */
  recipients?: RecipientService;
  /** The operator console; mounted at /console only when given. */
  console?: ConsoleDeps;
  apiKeys: ApiKeyService;
  checks: Record<string, Check>;
  log: Logger;
  /**
   * Extra middleware for every API route behind a key (payouts, recipients, webhook
   * endpoints), after authentication and the scope check: e.g. rate limiting.
   */
  apiMiddleware?: MiddlewareHandler<AppEnv>[];
  observe?: RequestObserver;
  corsOrigins?: string[];
  /** Extra routes mounted at the root, e.g. `/metrics`. */
  extraRoutes?: (app: Hono<AppEnv>) => void;
}

/**
 * Every API route (payouts, and recipients and webhook endpoints when given) in one
 * OpenAPI-described app.
 */
export function apiRoutes(
  services: Pick<AppDeps, "payouts" | "webhooks" | "recipients">,
): OpenAPIHono<AppEnv> {
  const routes = payoutRoutes(services.payouts);
  if (services.recipients) routes.route("/", recipientRoutes(services.recipients));
  if (services.webhooks) routes.route("/", webhookEndpointRoutes(services.webhooks));
  return routes;
}

export function buildApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  const routes = apiRoutes(deps);

  app.use("*", requestContext(deps.log, deps.observe));
  if (deps.corsOrigins && deps.corsOrigins.length > 0) {
    app.use(
      "/api/*",
      cors({
        origin: deps.corsOrigins,
        exposeHeaders: ["ETag", "Location", "Idempotent-Replayed", "Retry-After", "X-Request-Id"],
      }),
    );
  }
  app.use("/health", methodGuard([{ pattern: /^\/health$/, methods: ["GET"] }]));
  mountHealth(app, deps.checks);

  const methods = methodGuard(API_ROUTES.pathMethods);
  // What every route behind a key passes, in this order: a missing scope is answered right
  // after a missing key, before anything else.
  const guards = [
    bearerAuth(deps.apiKeys),
    scopeGuard(API_ROUTES.scopeFor),
    ...deps.apiMiddleware ?? [],
    methods,
    optionalJsonBody(API_ROUTES.bodyOptional),
  ];
  // `/payouts/*` also matches `/payouts` itself.
  const guarded = [
    "/payouts/*",
    ...deps.recipients ? ["/recipients/*"] : [],
    ...deps.webhooks ? ["/webhook-endpoints/*"] : [],
  ];
  for (const prefix of API_PREFIXES) {
    app.use(`${prefix}${SCHEMA_ROUTE.path}`, methods);
    app.use(`${prefix}${DOCS_ROUTE.path}`, methods);
    // Built on first request, then served as is: the routes never change at run time.
    let document: ReturnType<typeof openApiDocument> | undefined;
    app.get(
      `${prefix}${SCHEMA_ROUTE.path}`,
      (c) => c.json(document ??= openApiDocument(routes, prefix), 200),
    );
    for (const path of guarded) app.use(`${prefix}${path}`, ...guards);
    app.route(prefix, routes);
  }
  mountDocs(app, API_PREFIXES);
  if (deps.console) app.route(CONSOLE_PREFIX, consoleRoutes(deps.console));
  deps.extraRoutes?.(app);

  app.notFound((c) => sendProblem(c, problem(404, "not_found", "There is nothing at this path.")));
  app.onError((error, c) => {
    const mapped = problemFor(error);
    // An unreachable Postgres or Redis is a 503 with Retry-After, counted by dependency.
    if (mapped?.body.dependency) c.set("unavailable", mapped.body.dependency);
    if (mapped) return sendProblem(c, mapped.body, mapped.headers);
    // Hono and @hono/zod-openapi reject some requests by throwing (zod-openapi's own media
    // type gate throws a 415 for e.g. `application/json;;;`): a client error, not a 500.
    if (error instanceof HTTPException && error.status >= 400 && error.status < 500) {
      const code = error.status === 415 ? "unsupported_media_type" : "bad_request";
      return sendProblem(c, problem(error.status, code, error.message || "Request rejected."));
    }
    c.get("log")?.error("unhandled error", { error: describe(error) });
    return sendProblem(
      c,
      problem(
        500,
        "internal_error",
        `Something went wrong; quote request id ${c.get("requestId")}.`,
      ),
    );
  });
  return app;
}

function describe(error: unknown) {
  return error instanceof Error
    ? { name: error.name, message: error.message, stack: error.stack }
    : { value: String(error) };
}

/**
 * The OpenAPI 3.1 document for one API prefix, generated from the route schemas. Pure: the
 * routes registered their components when they were built (apiRoutes). It declares the tags
 * of the features mounted, those its operations use.
 */
export function openApiDocument(routes: OpenAPIHono<AppEnv>, prefix: string) {
  const used = new Set(
    routes.openAPIRegistry.definitions.flatMap((definition) =>
      definition.type === "route" ? definition.route.tags ?? [] : []
    ),
  );
  return routes.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "Payout API",
      version: "1.0.0",
      description: "Create, read, change and cancel payouts; workers carry each one through " +
        "pending → processing → completed | failed. Recipients store bank details (masked " +
        "when shown) that payouts reference by id. Webhook endpoints receive signed " +
        "(Standard Webhooks) messages about payout events. Errors are RFC 9457 problem+json; " +
        "every answer carries an `X-Request-Id`.",
      contact: { name: "Payout service maintainers" },
      license: { name: "Proprietary: all rights reserved" },
    },
    servers: [{ url: prefix }],
    tags: API_TAGS.filter((tag) => used.has(tag.name)).map((tag) => ({ ...tag })),
  });
}
