/**
 * Domain errors as the console shows them: the status and the error's own sentence (they
 * are written for clients); an unreachable Postgres or Redis is a 503 with Retry-After, as
 * in the API; anything else is a 500 that quotes the request id only.
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { dependencyUnavailableFor, type Problem } from "../http/problem.ts";
import {
  AppError,
  EndpointDisabledError,
  FourEyesError,
  MissingScopeError,
  NotAwaitingApprovalError,
  NotFoundError,
  NotPendingError,
  ValidationError,
} from "../errors.ts";

const STATUS_OF = new Map<abstract new (...args: never[]) => AppError, ContentfulStatusCode>([
  [ValidationError, 400],
  [NotFoundError, 404],
  [MissingScopeError, 403],
  [FourEyesError, 403],
  [NotPendingError, 409],
  [NotAwaitingApprovalError, 409],
  [EndpointDisabledError, 409],
]);

export interface ConsoleError {
  status: ContentfulStatusCode;
  message: string;
  /** Extra response headers (Retry-After on a 503). */
  headers?: Record<string, string>;
  /** On a 503: the dependency that could not be reached. */
  dependency?: Problem["dependency"];
}

/** The status and sentence for a domain error or an outage; undefined for anything else. */
export function consoleErrorFor(error: unknown): ConsoleError | undefined {
  const unavailable = dependencyUnavailableFor(error);
  if (unavailable) {
    const { body, headers } = unavailable;
    return { status: 503, message: body.detail, headers, dependency: body.dependency };
  }
  if (!(error instanceof AppError)) return undefined;
  const status = STATUS_OF.get(error.constructor as typeof ValidationError);
  return status === undefined ? undefined : { status, message: error.message };
}
