/** 403 for a request whose API key lacks the scope its route needs (right after the 401). */
import type { MiddlewareHandler } from "hono";
import type { Scope } from "../apikeys/scopes.ts";
import { MissingScopeError } from "../errors.ts";
import { problemFor, sendProblem } from "./problem.ts";
import type { AppEnv } from "./request_context.ts";
import { routePath } from "./route_table.ts";

/** `scopeFor` names the scope a path (prefix and trailing slash removed) and method need. */
export function scopeGuard(
  scopeFor: (path: string, method: string) => Scope | undefined,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const needed = scopeFor(routePath(c.req.path), c.req.method);
    const key = c.get("apiKey");
    if (needed && key && !key.scopes.includes(needed)) {
      const mapped = problemFor(new MissingScopeError(needed))!;
      return sendProblem(c, mapped.body, mapped.headers);
    }
    await next();
  };
}
