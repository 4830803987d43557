/**
 * Idempotent execution of a create: the database decides, in one transaction, whether a
 * request is new, a retry (replay the stored response), a reuse with another body (422) or
 * a duplicate of one still in flight (409).
 */
import type { Db } from "../db/types.ts";
import { IdempotencyInFlightError, IdempotencyMismatchError } from "../errors.ts";
import { idempotencyLockId } from "./idempotency_key.ts";
import {
  deleteExpiredIdempotencyRecords,
  findIdempotencyRecord,
  insertIdempotencyRecord,
  type StoredResponse,
  tryTransactionLock,
} from "./idempotency.repository.ts";

export type { StoredResponse } from "./idempotency.repository.ts";

/** Records are answered from for this long, and deleted by maintenance after it. */
export const IDEMPOTENCY_TTL_HOURS = 24;
const EXPIRE_BATCH = 5000;

export interface IdempotentRequest {
  apiKeyId: string;
  key: string;
  /** From requestHash(): equal for equal JSON documents. */
  requestHash: string;
}

export type IdempotentOutcome<T> =
  | { replayed: true; response: StoredResponse }
  | { replayed: false; response: StoredResponse; value: T };

/**
 * Runs `work` at most once per (API key, Idempotency-Key) within the TTL. `work` writes in
 * the given transaction and returns the response to store; the record is inserted in the
 * same transaction, so the effect and its record commit together or not at all. Anything
 * that must happen after commit (publishing a job) is the caller's, on `replayed: false`.
 *
 * @throws IdempotencyInFlightError another request with this key has not committed yet.
 * @throws IdempotencyMismatchError the key was used with a different body.
 */
export async function runIdempotent<T>(
  sql: Db,
  request: IdempotentRequest,
  work: (tx: Db) => Promise<{ response: StoredResponse; value: T }>,
): Promise<IdempotentOutcome<T>> {
  const lockId = idempotencyLockId(request.apiKeyId, request.key);
  return await inTransaction(sql, async (tx): Promise<IdempotentOutcome<T>> => {
    // Not waiting: a retry that arrives while the first attempt runs must not block a
    // connection for as long as the first takes; the contract answers it with a 409.
    if (!await tryTransactionLock(tx, lockId)) throw new IdempotencyInFlightError();
    const stored = await findIdempotencyRecord(
      tx,
      request.apiKeyId,
      request.key,
      IDEMPOTENCY_TTL_HOURS,
    );
    if (stored) {
      if (stored.requestHash !== request.requestHash) throw new IdempotencyMismatchError();
      return { replayed: true, response: stored.response };
    }
    const { response, value } = await work(tx);
    const inserted = await insertIdempotencyRecord(
      tx,
      request.apiKeyId,
      request.key,
      request.requestHash,
      response,
      IDEMPOTENCY_TTL_HOURS,
    );
    // Only reachable if the lock were bypassed; rolling back keeps "both or neither".
    if (!inserted) throw new IdempotencyInFlightError();
    return { replayed: false, response, value };
  });
}

/** A transaction on a pool, or a savepoint when `sql` already is a transaction. */
function inTransaction<R>(sql: Db, fn: (tx: Db) => Promise<R>): Promise<R> {
  return ("savepoint" in sql ? sql.savepoint(fn) : sql.begin(fn)) as Promise<R>;
}

/**
 * Deletes records older than the TTL, in batches, for the worker's maintenance loop.
 * Returns how many were deleted.
 */
export async function expireIdempotencyRecords(sql: Db): Promise<number> {
  let total = 0;
  while (true) {
    const deleted = await deleteExpiredIdempotencyRecords(sql, IDEMPOTENCY_TTL_HOURS, EXPIRE_BATCH);
    total += deleted;
    if (deleted < EXPIRE_BATCH) return total;
  }
}
