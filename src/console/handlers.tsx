/**
 * The operator console, mounted at /console: every route of CONSOLE_ROUTES with its gate
 * (session, scope, CSRF) in front of its handler. Handlers call the console's services,
 * which call repositories and the payout, queue and webhook services; nothing here
 * touches SQL or Redis.
 */
import { Hono, type MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { consoleAuth, isHtmx, requireScope } from "./auth.ts";
import { assetHandlers } from "./assets.handlers.ts";
import { csrfGuard } from "./csrf.ts";
import type { ConsoleEnv } from "./env.ts";
import { consoleErrorFor } from "./error_status.ts";
import { consoleHeaders } from "./headers.ts";
import { overviewHandlers } from "./overview.handlers.tsx";
import type { ConsoleOverviewService } from "./overview.service.ts";
import { payoutHandlers } from "./payouts.handlers.tsx";
import type { ConsolePayoutService } from "./payouts.service.ts";
import { queueHandlers } from "./queues.handlers.tsx";
import type { ConsoleQueueService } from "./queues.service.ts";
import { renderProblem } from "./render.tsx";
import { CONSOLE_ROUTES, type ConsoleRouteName } from "./routes.ts";
import type { ConsoleSessionService } from "./sessions.service.ts";
import { FORM_LIMIT, signInHandlers } from "./sign_in.handlers.tsx";

/** What the console needs, built by main.ts (and the tests) from real connections. */
export interface ConsoleDeps {
  sessions: ConsoleSessionService;
  overview: ConsoleOverviewService;
  payouts: ConsolePayoutService;
  queues: ConsoleQueueService;
}

const METHODS_BY_PATH = new Map<string, string[]>();
for (const route of Object.values(CONSOLE_ROUTES)) {
  METHODS_BY_PATH.set(route.path, [...(METHODS_BY_PATH.get(route.path) ?? []), route.method]);
}

/** The console's routes, to be mounted at CONSOLE_PREFIX. */
export function consoleRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>({ strict: false });
  const handlers = {
    ...signInHandlers(deps.sessions),
    ...assetHandlers(),
    ...overviewHandlers(deps.overview),
    ...payoutHandlers(deps.payouts),
    ...queueHandlers(deps.queues),
  } satisfies Record<ConsoleRouteName, unknown>;

  app.use("*", consoleHeaders());
  for (const [name, route] of Object.entries(CONSOLE_ROUTES)) {
    const gates: MiddlewareHandler<ConsoleEnv>[] = route.method === "POST" ? [FORM_LIMIT] : [];
    if (route.kind !== "public") {
      gates.push(consoleAuth(deps.sessions, route.kind));
      if (route.scope) gates.push(requireScope(route.scope));
      if (route.kind === "action") gates.push(csrfGuard());
    }
    const handler = handlers[name as ConsoleRouteName] as MiddlewareHandler<ConsoleEnv>;
    app.on(route.method, [route.path], ...gates, handler);
  }
  // Anything else: nothing is revealed before sign-in, then a plain 404 or 405.
  app.all("*", consoleAuth(deps.sessions, "page"), (c) => {
    const known = [...METHODS_BY_PATH.keys()].some((pattern) => matches(pattern, c.req.path));
    return known
      ? renderProblem(c, 405, "This page does not take that method.", isHtmx(c))
      : renderProblem(c, 404, "There is nothing at this address.", isHtmx(c));
  });

  app.onError((error, c) => {
    const known = consoleErrorFor(error);
    if (known) {
      if (known.dependency) c.set("unavailable", known.dependency);
      for (const [name, value] of Object.entries(known.headers ?? {})) c.header(name, value);
      return renderProblem(c, known.status, known.message, isHtmx(c));
    }
    if (error instanceof HTTPException && error.status === 413) {
      return renderProblem(c, 413, "That form is far larger than any of the console's.", isHtmx(c));
    }
    c.get("log")?.error("unhandled error", {
      error: error instanceof Error
        ? { name: error.name, message: error.message, stack: error.stack }
        : String(error),
    });
    return renderProblem(
      c,
      500,
      "Something went wrong; quote the request id below when you report it.",
      isHtmx(c),
    );
  });
  return app;
}

/** Whether a concrete path below /console matches a route pattern such as `/payouts/:id`. */
function matches(pattern: string, path: string): boolean {
  const relative = path.replace(/^\/console/, "").replace(/\/+$/, "") || "/";
  const expression = pattern.replace(/:[A-Za-z]+/g, "[^/]+");
  return new RegExp(`^${expression === "/" ? "/" : expression}$`).test(relative);
}
