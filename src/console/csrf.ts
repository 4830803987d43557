/**
 * CSRF protection of the console's POST forms: the token bound to the session must come
 * back as the `csrf_token` field or, from htmx, the `X-CSRF-Token` header. SameSite=Strict
 * cookies already keep other sites out; the token also covers browsers that ignore it.
 */
import type { MiddlewareHandler } from "hono";
import { isHtmx } from "./auth.ts";
import type { ConsoleEnv } from "./env.ts";
import { renderProblem } from "./render.tsx";
import { sameSecret } from "./session_tokens.ts";

export const CSRF_FIELD = "csrf_token";
export const CSRF_HEADER = "X-CSRF-Token";

/** 403 unless the request carries the session's CSRF token. */
export function csrfGuard(): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    const expected = c.get("session").csrfToken;
    let presented = c.req.header(CSRF_HEADER);
    if (presented === undefined) {
      const field = (await formOf(c.req.raw.headers.get("content-type"), () => c.req.parseBody()))
        ?.[CSRF_FIELD];
      presented = typeof field === "string" ? field : undefined;
    }
    if (!sameSecret(presented, expected)) {
      return renderProblem(
        c,
        403,
        "This form has expired or did not come from the console; reload the page and try again.",
        isHtmx(c),
      );
    }
    await next();
  };
}

/** The parsed form, or undefined when the body is not a form. */
export async function formOf<T>(
  contentType: string | null,
  parse: () => Promise<T>,
): Promise<T | undefined> {
  const type = contentType?.split(";")[0].trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded" && type !== "multipart/form-data") {
    return undefined;
  }
  try {
    return await parse();
  } catch {
    return undefined;
  }
}
