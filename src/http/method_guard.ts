/** 405 with an `Allow` header for known paths asked with a method they do not support. */
import type { MiddlewareHandler } from "hono";
import { problem, sendProblem } from "./problem.ts";
import { routePath } from "./route_table.ts";

export interface PathMethods {
  /** Matches the path with any `/api` or `/api/v1` prefix and trailing slash removed. */
  pattern: RegExp;
  methods: string[];
}

/** Answers 405 for a known path and an unsupported method; unknown paths pass through. */
export function methodGuard(table: PathMethods[]): MiddlewareHandler {
  return async (c, next) => {
    const path = routePath(c.req.path);
    const entry = table.find((row) => row.pattern.test(path));
    if (entry) {
      const allowed = entry.methods.includes("GET") ? [...entry.methods, "HEAD"] : entry.methods;
      if (!allowed.includes(c.req.method)) {
        return sendProblem(
          c,
          problem(405, "method_not_allowed", `${c.req.method} is not supported here.`),
          { Allow: allowed.join(", ") },
        );
      }
    }
    await next();
  };
}
