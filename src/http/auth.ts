/** Bearer authentication for the payout API. */
import type { MiddlewareHandler } from "hono";
import type { ApiKeyService } from "../apikeys/apikeys.service.ts";
import { problem, sendProblem } from "./problem.ts";
import type { AppEnv } from "./request_context.ts";

const BEARER = /^bearer +(\S+) *$/i;

/** The credentials of an `Authorization: Bearer …` header (scheme case-insensitive). */
export function bearerToken(header: string | undefined): string | undefined {
  return header ? BEARER.exec(header)?.[1] : undefined;
}

/** 401 with `WWW-Authenticate: Bearer` unless the request carries an active API key. */
export function bearerAuth(apiKeys: ApiKeyService): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header("authorization");
    const presented = bearerToken(header);
    const record = presented ? await apiKeys.verify(presented) : undefined;
    if (!record) {
      const detail = header
        ? "The API key is not valid or was revoked."
        : "Send an API key as `Authorization: Bearer <key>`.";
      return sendProblem(c, problem(401, "unauthorized", detail), {
        "WWW-Authenticate": 'Bearer realm="payouts"',
      });
    }
    c.set("apiKey", { id: record.id, name: record.name, scopes: record.scopes });
    await next();
  };
}
