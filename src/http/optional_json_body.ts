/** For routes whose body is optional (actions such as rotating a secret). */
import type { MiddlewareHandler } from "hono";
import { jsonBody } from "./json_body.ts";
import type { AppEnv } from "./request_context.ts";
import { routePath } from "./route_table.ts";

/**
 * jsonBody, except that a request for which `bodyOptional(method, path)` holds (path with
 * prefix and trailing slash removed) and that carries no body (none, or `Content-Length:
 * 0`) is taken as `{}`, whatever its Content-Type: there is nothing to be of the wrong
 * type. A body that is there is judged like any other (413, 415, 400).
 */
export function optionalJsonBody(
  bodyOptional: (method: string, path: string) => boolean,
): MiddlewareHandler<AppEnv> {
  const json = jsonBody();
  return async (c, next) => {
    const method = c.req.method;
    const reads = method === "POST" || method === "PATCH"; // what jsonBody reads
    // Only such a route looks at `request.body`: reading that getter makes the server hand
    // the body over as a stream, which costs every other request a slower read.
    if (reads && bodyOptional(method, routePath(c.req.path)) && isEmpty(c.req.raw)) {
      const headers = new Headers(c.req.raw.headers);
      headers.set("content-type", "application/json");
      headers.delete("content-length");
      c.req.raw = new Request(c.req.url, { method, headers, body: "{}" });
    }
    return await json(c, next);
  };
}

function isEmpty(request: Request): boolean {
  return request.body === null || request.headers.get("content-length") === "0";
}
