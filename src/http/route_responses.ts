/**
 * The error responses every API route declares and the response headers they share, each
 * written once (as `components.responses` and `components.headers`) and referenced, and the
 * JSON and problem+json bodies the route contracts build their own from.
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

/** The problem+json body, as the document names it (`ProblemSchema`'s component). */
const PROBLEM_CONTENT = {
  "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } },
};

/** The `X-Request-Id` every answer carries, under the name it is sent as. */
const requestIdHeader = headers(["X-Request-Id", "XRequestId"]);

/** A shared response's component: its name and what `#/components/responses/<name>` says. */
export interface ResponseComponent {
  name: string;
  response: { description: string; headers: HeaderRefs; content: typeof PROBLEM_CONTENT };
}

/**
 * A problem+json response written once, as `components.responses.<name>` (with the
 * `X-Request-Id` every answer carries, and `responseHeaders`), and referenced by each route
 * that gives it. The component rides along on the reference, not enumerable (so not in the
 * document), for registerRoutes to register: see `responseComponent`.
 */
export function sharedProblem(name: string, description: string, responseHeaders?: HeaderRefs) {
  const component: ResponseComponent = {
    name,
    response: {
      description,
      headers: { ...requestIdHeader, ...responseHeaders },
      content: PROBLEM_CONTENT,
    },
  };
  return Object.defineProperty({ $ref: `#/components/responses/${name}` }, "component", {
    value: component,
    enumerable: false,
  });
}

/** The component behind a reference sharedProblem made, or undefined for any other response. */
export function responseComponent(response: object): ResponseComponent | undefined {
  return (response as { component?: ResponseComponent }).component;
}

/** The 412 of a change under `If-Match`: it carries the current ETag. */
export const preconditionFailed = {
  412: sharedProblem(
    "PreconditionFailed",
    "If-Match does not match; the current ETag is in the response.",
    etagHeader,
  ),
};

/** What any authenticated route can answer besides its 403 (see commonResponses). */
const COMMON_RESPONSES = {
  400: sharedProblem("BadRequest", "The request is not valid; `errors` names each field at fault."),
  401: sharedProblem(
    "Unauthorized",
    "Missing, unknown or revoked API key.",
    headers(["WWW-Authenticate", "WWWAuthenticate"]),
  ),
  405: sharedProblem(
    "MethodNotAllowed",
    "Method not supported on this path; see `Allow`.",
    headers(["Allow", "Allow"]),
  ),
  429: sharedProblem(
    "TooManyRequests",
    "Rate limit exceeded; retry after `Retry-After` seconds.",
    headers(["Retry-After", "RetryAfter"]),
  ),
  500: sharedProblem(
    "InternalServerError",
    "Unexpected server error (no internals are disclosed).",
  ),
  503: sharedProblem(
    "ServiceUnavailable",
    "Postgres or Redis is unreachable; retry after `Retry-After` seconds.",
    headers(["Retry-After", "RetryAfter"]),
  ),
};

/**
 * What any authenticated route of one feature can answer: `scopes` says which scope its
 * 403 is about, shared by the feature's routes as `<feature>Forbidden`.
 */
export function commonResponses(feature: string, scopes: string) {
  return {
    ...COMMON_RESPONSES,
    403: sharedProblem(
      `${feature}Forbidden`,
      `The API key lacks the scope this route needs: ${scopes} (\`detail\` names it).`,
    ),
  };
}

/** What a route that reads a JSON body can answer besides. */
export const bodyResponses = {
  413: sharedProblem("PayloadTooLarge", "Body larger than 65,536 bytes."),
  415: sharedProblem("UnsupportedMediaType", "Content-Type is not application/json."),
};

/**
 * `responses` with the `X-Request-Id` every answer carries added to the headers of each one
 * written inline (a shared one declares it in its component).
 */
export function withRequestId<T extends Record<string, { headers?: object } | { $ref: string }>>(
  responses: T,
): T {
  return Object.fromEntries(
    Object.entries(responses).map(([status, response]) => [
      status,
      "$ref" in response
        ? response
        : { ...response, headers: { ...requestIdHeader, ...response.headers } },
    ]),
  ) as T;
}
