/**
 * The error responses every API route declares, the response headers they share (written
 * once, as `components.headers`, and referenced), and the JSON and problem+json bodies the
 * route contracts build their own from.
 */
import { z } from "@hono/zod-openapi";

export const ProblemSchema = z.object({
  type: z.string().openapi({ example: "/problems/validation_failed" }),
  title: z.string().openapi({ example: "Bad Request" }),
  status: z.number().int().openapi({ example: 400 }),
  detail: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
}).openapi("Problem");

/** The response headers routes share, by component name (`#/components/headers/<name>`). */
export const RESPONSE_HEADERS = {
  XRequestId: {
    description: "The request's id, on every answer: the client's `X-Request-Id` when it is " +
      "1–128 characters of `A-Za-z0-9._:-`, otherwise a new UUID. Quote it when reporting " +
      "a problem.",
    schema: { type: "string", pattern: "^[A-Za-z0-9._:-]{1,128}$" },
    example: "5b0e4f7c-6a1d-4c3e-9b2a-8f7d6e5c4b3a",
  },
  RetryAfter: {
    description: "Whole seconds to wait before trying again (at least 1).",
    schema: { type: "integer", minimum: 1 },
    example: 1,
  },
  Allow: {
    description: "The methods this path supports.",
    schema: { type: "string" },
    example: "GET, POST, HEAD",
  },
  WWWAuthenticate: {
    description: "The authentication scheme to use: a Bearer API key.",
    schema: { type: "string" },
    example: 'Bearer realm="payouts"',
  },
  ETag: {
    description: "The resource's current strong entity tag; send it as `If-Match` to change " +
      "the resource only if nobody changed it since.",
    schema: { type: "string" },
    example: '"0b7c2f2e-1"',
  },
} as const;

type HeaderName = keyof typeof RESPONSE_HEADERS;

/** Response headers as references to the shared ones, by the name each is sent as. */
type HeaderRefs = Record<string, { $ref: string }>;

/** A reference to the shared response header `name`. */
export const headerRef = (name: HeaderName) => ({ $ref: `#/components/headers/${name}` });

/** `{ [header]: ref }` for each shared header, under the name it is sent as. */
const headers = (...names: [sent: string, component: HeaderName][]): HeaderRefs =>
  Object.fromEntries(names.map(([sent, component]) => [sent, headerRef(component)]));

/** The entity tag header of an answer about a versioned resource (payouts, recipients). */
export const etagHeader = headers(["ETag", "ETag"]);

/** A JSON body of this schema, for a response or a request body. */
export const json = <T>(schema: T) => ({ content: { "application/json": { schema } } });

/** A problem+json response with this description (and headers, if it sends any). */
export const problem = (description: string, responseHeaders?: HeaderRefs) => ({
  description,
  ...responseHeaders ? { headers: responseHeaders } : {},
  content: { "application/problem+json": { schema: ProblemSchema } },
});

/** The 412 of a change under `If-Match`: it carries the current ETag. */
export const preconditionFailed = {
  412: problem("If-Match does not match; the current ETag is in the response.", etagHeader),
};

/** What any authenticated route can answer; `scopes` says which scope its 403 is about. */
export function commonResponses(scopes: string) {
  return {
    400: problem("The request is not valid; `errors` names each field at fault."),
    401: problem(
      "Missing, unknown or revoked API key.",
      headers(["WWW-Authenticate", "WWWAuthenticate"]),
    ),
    403: problem(`The API key lacks the scope this route needs: ${scopes} (\`detail\` names it).`),
    405: problem("Method not supported on this path; see `Allow`.", headers(["Allow", "Allow"])),
    429: problem(
      "Rate limit exceeded; retry after `Retry-After` seconds.",
      headers(["Retry-After", "RetryAfter"]),
    ),
    500: problem("Unexpected server error (no internals are disclosed)."),
    503: problem(
      "Postgres or Redis is unreachable; retry after `Retry-After` seconds.",
      headers(["Retry-After", "RetryAfter"]),
    ),
  };
}

/** What a route that reads a JSON body can answer besides. */
export const bodyResponses = {
  413: problem("Body larger than 65,536 bytes."),
  415: problem("Content-Type is not application/json."),
};

/** `responses` with the `X-Request-Id` every answer carries added to each one's headers. */
export function withRequestId<T extends Record<string, { headers?: object }>>(responses: T): T {
  return Object.fromEntries(
    Object.entries(responses).map(([status, response]) => [
      status,
      { ...response, headers: { ...headers(["X-Request-Id", "XRequestId"]), ...response.headers } },
    ]),
  ) as T;
}
