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
    const request = c.req.raw;
    const empty = request.body === null || c.req.header("content-length") === "0";
    if (c.req.method === "POST" && empty && bodiless.test(c.req.path)) {
      const headers = new Headers(request.headers);
      headers.set("content-type", "application/json");
      headers.delete("content-length");
      c.req.raw = new Request(c.req.url, { method: "POST", headers, body: "{}" });
    }
    return await json(c, next);
  };
}
