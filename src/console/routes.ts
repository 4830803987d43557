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

const SOME_ID = "00000000-0000-4000-8000-000000000000";
const SOME_ENTRY = "1700000000000-0";
const SOME_MESSAGE = "msg_00000000000000000000000000000000";

export const CONSOLE_ROUTES = {
  signInPage: { method: "GET", path: "/sign-in", kind: "public", scope: null, example: "/sign-in" },
  signIn: { method: "POST", path: "/sign-in", kind: "public", scope: null, example: "/sign-in" },
  htmx: {
    method: "GET",
    path: "/assets/htmx.min.js",
    kind: "public",
    scope: null,
    example: "/assets/htmx.min.js",
  },
  css: {
    method: "GET",
    path: "/assets/console.css",
    kind: "public",
    scope: null,
    example: "/assets/console.css",
  },
  signOut: { method: "POST", path: "/sign-out", kind: "action", scope: null, example: "/sign-out" },
  overview: { method: "GET", path: "/", kind: "page", scope: null, example: "/" },
  overviewFragment: {
    method: "GET",
    path: "/fragments/overview",
    kind: "fragment",
    scope: null,
    example: "/fragments/overview",
  },
  payouts: {
    method: "GET",
    path: "/payouts",
    kind: "page",
    scope: "payouts:read",
    example: "/payouts",
  },
  payout: {
    method: "GET",
    path: "/payouts/:id",
    kind: "page",
    scope: "payouts:read",
    example: `/payouts/${SOME_ID}`,
  },
  cancelPayout: {
    method: "POST",
    path: "/payouts/:id/cancel",
    kind: "action",
    scope: "payouts:write",
    example: `/payouts/${SOME_ID}/cancel`,
  },
  approvePayout: {
    method: "POST",
    path: "/payouts/:id/approve",
    kind: "action",
    scope: "payouts:approve",
    example: `/payouts/${SOME_ID}/approve`,
  },
  rejectPayout: {
    method: "POST",
    path: "/payouts/:id/reject",
    kind: "action",
    scope: "payouts:approve",
    example: `/payouts/${SOME_ID}/reject`,
  },
  queues: {
    method: "GET",
    path: "/queues",
    kind: "page",
    scope: "payouts:read",
    example: "/queues",
  },
  requeueDeadLetter: {
    method: "POST",
    path: "/queues/dead-letters/:entryId/requeue",
    kind: "action",
    scope: "payouts:write",
    example: `/queues/dead-letters/${SOME_ENTRY}/requeue`,
  },
  // Not under /queues/dead-letters/: next to the route with a parameter there, Hono's
  // RegExpRouter refuses it and the whole app falls back to the slower TrieRouter
  // (tests/http/router_test.ts).
  requeueAllDeadLetters: {
    method: "POST",
    path: "/queues/requeue-dead-letters",
    kind: "action",
    scope: "payouts:write",
    example: "/queues/requeue-dead-letters",
  },
  retryDelivery: {
    method: "POST",
    path: "/queues/webhook-deliveries/:endpointId/:messageId/retry",
    kind: "action",
    scope: "webhooks:write",
    example: `/queues/webhook-deliveries/${SOME_ID}/${SOME_MESSAGE}/retry`,
  },
} as const satisfies Record<string, ConsoleRoute>;

export type ConsoleRouteName = keyof typeof CONSOLE_ROUTES;
