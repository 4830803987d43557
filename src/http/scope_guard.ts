/** 403 for a request whose API key lacks the scope its route needs (right after the 401). */
import type { MiddlewareHandler } from "hono";
import { MissingScopeError } from "../errors.ts";
import { scopeFor } from "../apikeys/scopes.ts";
import { problemFor, sendProblem } from "./problem.ts";
import type { AppEnv } from "./request_context.ts";

export function scopeGuard(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const path = c.req.path.replace(/^\/api(\/v1)?/, "").replace(/\/+$/, "");
    const needed = scopeFor(path, c.req.method);
    const key = c.get("apiKey");
    if (needed && key && !key.scopes.includes(needed)) {
      const mapped = problemFor(new MissingScopeError(needed))!;
      return sendProblem(c, mapped.body, mapped.headers);
    }
    await next();
  };
}
