/**
 * Domain errors: one small class per case, each with a stable `code`. The HTTP layer maps
 * them to problem+json in one table (src/http/problem.ts); constructors never log.
 */

export interface FieldError {
  /** Dotted path of the offending field, e.g. `recipient_details.account`; "" for the body. */
  path: string;
  message: string;
}

export abstract class AppError extends Error {
  abstract readonly code: string;
}

export class ValidationError extends AppError {
  readonly code = "validation_failed";
  constructor(readonly errors: FieldError[], message = "The request is not valid.") {
    super(message);
  }
}

export class NotFoundError extends AppError {
  readonly code = "not_found";
  constructor(message = "No payout with this id.") {
    super(message);
  }
}

export class NotPendingError extends AppError {
  readonly code = "payout_not_pending";
  constructor(readonly status: string) {
    super(`The payout is ${status}; only pending payouts can be changed or canceled.`);
  }
}

export class PreconditionFailedError extends AppError {
  readonly code = "precondition_failed";
  constructor(readonly currentEtag: string) {
    super("If-Match does not match the payout's current ETag.");
  }
}

export class IdempotencyInFlightError extends AppError {
  readonly code = "idempotency_key_in_flight";
  constructor() {
    super("A request with this Idempotency-Key is still being processed; retry later.");
  }
}

export class IdempotencyMismatchError extends AppError {
  readonly code = "idempotency_key_reused";
  constructor() {
    super("This Idempotency-Key was already used with a different request body.");
  }
}

export class EndpointDisabledError extends AppError {
  readonly code = "webhook_endpoint_disabled";
  constructor() {
    super("The webhook endpoint is disabled; enable it (PATCH status) to send it messages.");
  }
}

export class FourEyesError extends AppError {
  readonly code = "four_eyes";
  constructor() {
    super("A payout cannot be approved with the key that created or last changed it.");
  }
}

export class NotAwaitingApprovalError extends AppError {
  readonly code = "payout_not_awaiting_approval";
  constructor(readonly status: string) {
    super(`The payout is ${status}; only payouts in needs_approval can be approved or rejected.`);
  }
}

export class MissingScopeError extends AppError {
  readonly code = "missing_scope";
  constructor(readonly scope: string) {
    super(`This API key lacks the scope ${scope}.`);
  }
}
