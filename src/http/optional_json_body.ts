/** For POSTs whose body is optional (actions such as rotating a secret). */
import type { MiddlewareHandler } from "hono";
import { jsonBody } from "./json_body.ts";
import type { AppEnv } from "./request_context.ts";

/**
 * jsonBody, except that a POST to a path matching `bodiless` that carries no body (none, or
 * `Content-Length: 0`) is taken as `{}`, whatever its Content-Type: there is nothing to be
 * of the wrong type. A body that is there is judged like any other (413, 415, 400).
 */
export function optionalJsonBody(bodiless: RegExp): MiddlewareHandler<AppEnv> {
  const json = jsonBody();
  return async (c, next) => {
    // Only a bodiless path looks at `request.body`: reading that getter makes the server
    // hand the body over as a stream, which costs every other request a slower read.
    if (c.req.method === "POST" && bodiless.test(c.req.path) && isEmpty(c.req.raw)) {
      const headers = new Headers(c.req.raw.headers);
      headers.set("content-type", "application/json");
      headers.delete("content-length");
      c.req.raw = new Request(c.req.url, { method: "POST", headers, body: "{}" });
    }
    return await json(c, next);
  };
}

function isEmpty(request: Request): boolean {
  return request.body === null || request.headers.get("content-length") === "0";
}
