/** `GET /metrics` in the Prometheus text format, public unless a token is configured. */
import { timingSafeEqual } from "node:crypto";
import type { Hono } from "hono";
import type { Registry } from "prom-client";
import { sha256 } from "../hash.ts";
import { bearerToken } from "../http/auth.ts";
import { methodGuard } from "../http/method_guard.ts";
import { problem, sendProblem } from "../http/problem.ts";
import type { AppEnv } from "../http/request_context.ts";

/** Compares digests so the time taken says nothing about the token. */
function tokenMatches(presented: string, token: string): boolean {
  return timingSafeEqual(sha256(presented), sha256(token));
}

/**
 * Mounts `/metrics` (and `/metrics/`) on `app`. With a non-empty `token`, requests need
 * `Authorization: Bearer <token>`; anything else is a 401 problem.
 */
export function mountMetrics(app: Hono<AppEnv>, registry: Registry, token: string): void {
  app.use("/metrics", methodGuard([{ pattern: /^\/metrics$/, methods: ["GET"] }]));
  app.get("/metrics", async (c) => {
    if (token) {
      const presented = bearerToken(c.req.header("authorization"));
      if (!presented || !tokenMatches(presented, token)) {
        return sendProblem(
          c,
          problem(
            401,
            "unauthorized",
            "Send the metrics token as `Authorization: Bearer <token>`.",
          ),
          { "WWW-Authenticate": 'Bearer realm="metrics"' },
        );
      }
    }
    const body = await registry.metrics();
    return c.body(body, 200, {
      "Content-Type": registry.contentType,
      "Cache-Control": "no-store",
    });
  });
}
