/**
 * The gate in front of every console route but sign-in and the assets: a live session
 * (303 to the sign-in page for pages and actions, 401 for fragments and htmx requests),
 * then the route's scope (403).
 */
import type { Context, MiddlewareHandler } from "hono";
import type { Scope } from "../apikeys/scopes.ts";
import { clearSessionCookie, readSessionCookie } from "./cookies.ts";
import { type ConsoleEnv, SIGN_IN_PATH } from "./env.ts";
import type { ConsoleRouteKind } from "./routes.ts";
import type { ConsoleSessionService } from "./sessions.service.ts";
import { renderProblem } from "./render.tsx";

/** Whether htmx sent the request (it expects a fragment, never a redirect to follow). */
export function isHtmx(c: Context): boolean {
  return c.req.header("hx-request") === "true";
}

export function consoleAuth(
  sessions: ConsoleSessionService,
  kind: Exclude<ConsoleRouteKind, "public">,
): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    const fragment = kind === "fragment" || isHtmx(c);
    const token = readSessionCookie(c);
    // The live refresh must not keep an idle tab's session alive.
    const session = await sessions.resume(token, kind !== "fragment");
    if (!session) {
      if (token !== undefined) clearSessionCookie(c);
      if (fragment) {
        // htmx follows HX-Redirect even on a 401, so the browser ends up on the sign-in page.
        c.header("HX-Redirect", SIGN_IN_PATH);
        return renderProblem(c, 401, "Your console session has ended; sign in again.", true);
      }
      return c.redirect(SIGN_IN_PATH, 303);
    }
    c.set("session", session);
    // The request log names the key, never the key itself.
    c.set("apiKey", { id: session.apiKeyId, name: session.apiKeyName, scopes: session.scopes });
    await next();
  };
}

/** 403 unless the signed-in key holds `scope`. */
export function requireScope(scope: Scope): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    if (!c.get("session").scopes.includes(scope)) {
      return renderProblem(c, 403, `This API key lacks the scope ${scope}.`, isHtmx(c));
    }
    await next();
  };
}
