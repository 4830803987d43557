/**
 * RFC 9457 problem details: the one error envelope of the API, and the one table that maps
 * domain errors to HTTP.
 */
import type { Context } from "hono";
import {
  AppError,
  EndpointDisabledError,
  type FieldError,
  FourEyesError,
  IdempotencyInFlightError,
  IdempotencyMismatchError,
  MissingScopeError,
  NotAwaitingApprovalError,
  NotFoundError,
  NotPendingError,
  PreconditionFailedError,
  ValidationError,
} from "../errors.ts";
import { type Dependency, outageDependency } from "../runtime/outage_errors.ts";

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
  /** On a 503 dependency_unavailable: which dependency could not be reached. */
  dependency?: Dependency;
}

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  412: "Precondition Failed",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** Builds a problem document; `code` becomes the type URI, stable for clients to match. */
export function problem(
  status: number,
  code: string,
  detail: string,
  errors?: FieldError[],
): Problem {
  return {
    type: `/problems/${code}`,
    title: TITLES[status] ?? "Error",
    status,
    detail,
    ...(errors ? { errors } : {}),
  };
}

/** Sends a problem as `application/problem+json` with any extra headers. */
export function sendProblem(
  c: Context,
  body: Problem,
  headers: Record<string, string> = {},
): Response {
  for (const [name, value] of Object.entries(headers)) c.header(name, value);
  return c.body(JSON.stringify(body), body.status as 400, {
    "Content-Type": "application/problem+json",
  });
}

/** Domain error → HTTP status; anything not listed (nor an outage) is a 500. */
const STATUS_OF = new Map<abstract new (...args: never[]) => AppError, number>([
  [ValidationError, 400],
  [NotFoundError, 404],
  [PreconditionFailedError, 412],
  [MissingScopeError, 403],
  [FourEyesError, 403],
  [NotPendingError, 409],
  [NotAwaitingApprovalError, 409],
  [EndpointDisabledError, 409],
  [IdempotencyInFlightError, 409],
  [IdempotencyMismatchError, 422],
]);

/**
 * The `Retry-After` (seconds) of a 503 for an unreachable dependency. Short on purpose: the
 * pools reconnect within a second of the dependency coming back (src/db/client.ts), and
 * while it is down a 503 is answered at once, so an early retry costs little.
 */
export const OUTAGE_RETRY_AFTER_SECONDS = 1;

const DEPENDENCY_NAMES: Record<Dependency, string> = { postgres: "Postgres", redis: "Redis" };

/** The 503 for a request that could not reach `dependency`; never says more than its name. */
export function dependencyUnavailable(
  dependency: Dependency,
): { body: Problem; headers: Record<string, string> } {
  const retryAfter = OUTAGE_RETRY_AFTER_SECONDS;
  return {
    body: {
      ...problem(
        503,
        "dependency_unavailable",
        `${DEPENDENCY_NAMES[dependency]} is unreachable right now; retry after ${retryAfter} s.`,
      ),
      dependency,
    },
    headers: { "Retry-After": String(retryAfter) },
  };
}

/** The 503 for an error that says Postgres or Redis is unreachable; undefined otherwise. */
export function dependencyUnavailableFor(
  error: unknown,
): { body: Problem; headers: Record<string, string> } | undefined {
  const dependency = outageDependency(error);
  return dependency ? dependencyUnavailable(dependency) : undefined;
}

/**
 * The problem for a domain error, or the 503 for an error that says Postgres or Redis is
 * unreachable; undefined for anything else.
 */
export function problemFor(
  error: unknown,
): { body: Problem; headers: Record<string, string> } | undefined {
  const unavailable = dependencyUnavailableFor(error);
  if (unavailable) return unavailable;
  if (!(error instanceof AppError)) return undefined;
  const status = STATUS_OF.get(error.constructor as typeof ValidationError);
  if (status === undefined) return undefined;
  const errors = error instanceof ValidationError ? error.errors : undefined;
  const headers: Record<string, string> = error instanceof PreconditionFailedError
    ? { ETag: error.currentEtag }
    : {};
  return { body: problem(status, error.code, error.message, errors), headers };
}
