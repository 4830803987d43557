/**
 * Every console route in one table: what it is (public, page, fragment or action) and the
 * scope it needs beyond `console`. The handlers are registered from this table, and the
 * tests walk it, so no route escapes the session, scope and CSRF checks.
 */
import type { Scope } from "../apikeys/scopes.ts";

/**
 * `public`: sign-in and static assets; `page`: a full page (unauthenticated → 303 to the
 * sign-in page); `fragment`: HTML swapped in by htmx (unauthenticated → 401); `action`: a
 * POST form with a CSRF token (unauthenticated → 303, bad token → 403).
 */
export type ConsoleRouteKind = "public" | "page" | "fragment" | "action";

export interface ConsoleRoute {
  method: "GET" | "POST";
  /** Below /console. */
  path: string;
  kind: ConsoleRouteKind;
  /** The scope needed beyond `console`, which every session has. */
  scope: Scope | null;
  /** A concrete path of this route, for tests and docs. */
  example: string;
}

/** A concrete value of each path parameter, for the routes' examples. */
const EXAMPLE_PARAMS: Record<string, string> = {
  id: "00000000-0000-4000-8000-000000000000",
  endpointId: "00000000-0000-4000-8000-000000000000",
  entryId: "1700000000000-0",
  messageId: "msg_00000000000000000000000000000000",
};

/** A row of the table; its example fills in each parameter of its path. */
function route(
  method: ConsoleRoute["method"],
  path: string,
  kind: ConsoleRouteKind,
  scope: Scope | null = null,
): ConsoleRoute {
  const example = path.replace(/:([A-Za-z]+)/g, (_, name: string) => EXAMPLE_PARAMS[name]);
  return { method, path, kind, scope, example };
}

export const CONSOLE_ROUTES = {
  signInPage: route("GET", "/sign-in", "public"),
  signIn: route("POST", "/sign-in", "public"),
  htmx: route("GET", "/assets/htmx.min.js", "public"),
  css: route("GET", "/assets/console.css", "public"),
  signOut: route("POST", "/sign-out", "action"),
  overview: route("GET", "/", "page"),
  overviewFragment: route("GET", "/fragments/overview", "fragment"),
  payouts: route("GET", "/payouts", "page", "payouts:read"),
  payout: route("GET", "/payouts/:id", "page", "payouts:read"),
  cancelPayout: route("POST", "/payouts/:id/cancel", "action", "payouts:write"),
  approvePayout: route("POST", "/payouts/:id/approve", "action", "payouts:approve"),
  rejectPayout: route("POST", "/payouts/:id/reject", "action", "payouts:approve"),
  queues: route("GET", "/queues", "page", "payouts:read"),
  requeueDeadLetter: route(
    "POST",
    "/queues/dead-letters/:entryId/requeue",
    "action",
    "payouts:write",
  ),
  // Not under /queues/dead-letters/: next to the route with a parameter there, Hono's
  // RegExpRouter refuses it and the whole app falls back to the slower TrieRouter
  // (tests/http/router_test.ts).
  requeueAllDeadLetters: route("POST", "/queues/requeue-dead-letters", "action", "payouts:write"),
  retryDelivery: route(
    "POST",
    "/queues/webhook-deliveries/:endpointId/:messageId/retry",
    "action",
    "webhooks:write",
  ),
} satisfies Record<string, ConsoleRoute>;

export type ConsoleRouteName = keyof typeof CONSOLE_ROUTES;
