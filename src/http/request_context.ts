/**
 * Per-request plumbing: a request id (the client's when well-formed), one structured log
 * line per request, and the headers every response carries.
 */
import type { Scope } from "../apikeys/scopes.ts";
import type { MiddlewareHandler } from "hono";
import type { Logger } from "../log.ts";
import type { Dependency } from "../runtime/outage_errors.ts";

export type AppEnv = {
  Variables: {
    requestId: string;
    log: Logger;
    apiKey: { id: string; name: string; scopes: readonly Scope[] } | null;
    /** The parsed JSON body of a POST or PATCH, as sent (set by jsonBody). */
    body: unknown;
    /** Set when the request was answered 503 because this dependency was unreachable. */
    unavailable?: Dependency;
  };
};

const GOOD_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const DOCS_PATH = /^\/api(\/v1)?\/docs/;

/**
 * Observes each finished request (metrics hook; route is the matched pattern; `unavailable`
 * names the dependency a 503 could not reach).
 */
export type RequestObserver = (
  info: {
    method: string;
    route: string;
    status: number;
    seconds: number;
    unavailable?: Dependency;
  },
) => void;

export function requestContext(
  log: Logger,
  observe: RequestObserver = () => {},
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const given = c.req.header("x-request-id");
    const requestId = given && GOOD_REQUEST_ID.test(given) ? given : crypto.randomUUID();
    const requestLog = log.child({ request_id: requestId });
    c.set("requestId", requestId);
    c.set("log", requestLog);
    c.set("apiKey", null);
    // Set before the response exists: setting headers on a finished response makes Hono
    // copy it.
    c.header("X-Request-Id", requestId);
    c.header("X-Content-Type-Options", "nosniff");
    if (c.req.path.startsWith("/api/") && !DOCS_PATH.test(c.req.path)) {
      c.header("Cache-Control", "no-store");
    }
    await next();
    const seconds = (performance.now() - started) / 1000;
    const route = c.req.routePath || "unmatched";
    const unavailable = c.get("unavailable");
    observe({ method: c.req.method, route, status: c.res.status, seconds, unavailable });
    requestLog.info("request", {
      method: c.req.method,
      path: c.req.path,
      route,
      status: c.res.status,
      duration_ms: Math.round(seconds * 10000) / 10,
      api_key: c.get("apiKey")?.name,
      ...unavailable ? { unavailable } : {},
    });
  };
}
