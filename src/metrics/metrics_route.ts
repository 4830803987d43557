/** `GET /metrics` in the Prometheus text format, public unless a token is configured. */
import { timingSafeEqual } from "node:crypto";
import type { Hono } from "hono";
import type { Registry } from "prom-client";
import { methodGuard } from "../http/method_guard.ts";
import { problem, sendProblem } from "../http/problem.ts";
import type { AppEnv } from "../http/request_context.ts";

const BEARER = /^bearer +(\S+) *$/i;
const encoder = new TextEncoder();

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

/** Compares digests so the time taken says nothing about the token. */
async function tokenMatches(presented: string, token: string): Promise<boolean> {
  return timingSafeEqual(await sha256(presented), await sha256(token));
}

/**
 * Mounts `/metrics` (and `/metrics/`) on `app`. With a non-empty `token`, requests need
 * `Authorization: Bearer <token>`; anything else is a 401 problem.
 */
export function mountMetrics(app: Hono<AppEnv>, registry: Registry, token: string): void {
  app.use("/metrics", methodGuard([{ pattern: /^\/metrics$/, methods: ["GET"] }]));
  app.get("/metrics", async (c) => {
    if (token) {
      const header = c.req.header("authorization");
      const presented = header ? BEARER.exec(header)?.[1] : undefined;
      if (!presented || !(await tokenMatches(presented, token))) {
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
