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

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
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

/** Domain error → HTTP status; anything not listed is a 500. */
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

/** The problem for a domain error, or undefined when the error is not a domain error. */
export function problemFor(
  error: unknown,
): { body: Problem; headers: Record<string, string> } | undefined {
  if (!(error instanceof AppError)) return undefined;
  const status = STATUS_OF.get(error.constructor as typeof ValidationError);
  if (status === undefined) return undefined;
  const errors = error instanceof ValidationError ? error.errors : undefined;
  const headers: Record<string, string> = error instanceof PreconditionFailedError
    ? { ETag: error.currentEtag }
    : {};
  return { body: problem(status, error.code, error.message, errors), headers };
}
