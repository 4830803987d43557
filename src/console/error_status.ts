/**
 * Domain errors as the console shows them: the status and the error's own sentence (they
 * are written for clients); anything else is a 500 that quotes the request id only.
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";
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

/** The status and sentence for a domain error; undefined for anything else. */
export function consoleErrorFor(
  error: unknown,
): { status: ContentfulStatusCode; message: string } | undefined {
  if (!(error instanceof AppError)) return undefined;
  const status = STATUS_OF.get(error.constructor as typeof ValidationError);
  return status === undefined ? undefined : { status, message: error.message };
}
