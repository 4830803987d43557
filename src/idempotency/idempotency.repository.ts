/** SQL for idempotency records: the first response to each (API key, Idempotency-Key). */
import type postgres from "postgres";
import type { Db } from "../db/types.ts";

/** A response as first sent, to be sent again on a retry. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: postgres.JSONValue;
}

export interface IdempotencyRecord {
  requestHash: string;
  response: StoredResponse;
}

type Row = {
  request_hash: string;
  response_status: number;
  response_headers: Record<string, string>;
  response_body: postgres.JSONValue;
};

/**
 * Takes the transaction-scoped advisory lock `lockId` if no other transaction holds it;
 * false when one does. Released by the commit or rollback of `tx`.
 */
export async function tryTransactionLock(tx: Db, lockId: string): Promise<boolean> {
  const [row] = await tx<{ locked: boolean }[]>`
    select pg_try_advisory_xact_lock(${lockId}::bigint) as locked
  `;
  return row.locked;
}

/** The live record of this key (younger than `ttlHours`); expired ones count as absent. */
export async function findIdempotencyRecord(
  tx: Db,
  apiKeyId: string,
  key: string,
  ttlHours: number,
): Promise<IdempotencyRecord | undefined> {
  const [row] = await tx<Row[]>`
    select request_hash, response_status, response_headers, response_body
    from idempotency_keys
    where api_key_id = ${apiKeyId} and key = ${key}
      and created_at > clock_timestamp() - make_interval(hours => ${ttlHours})
  `;
  if (!row) return undefined;
  return {
    requestHash: row.request_hash,
    response: {
      status: row.response_status,
      headers: row.response_headers,
      body: row.response_body,
    },
  };
}

/**
 * Records the first response to a key. An expired record of the same key is replaced; a
 * live one is left alone and false returned (the caller must roll back).
 */
export async function insertIdempotencyRecord(
  tx: Db,
  apiKeyId: string,
  key: string,
  requestHash: string,
  response: StoredResponse,
  ttlHours: number,
): Promise<boolean> {
  const rows = await tx`
    insert into idempotency_keys (
      api_key_id, key, request_hash, response_status, response_headers, response_body
    ) values (
      ${apiKeyId}, ${key}, ${requestHash}, ${response.status},
      ${tx.json(response.headers)},
      -- Sent as text so the json column keeps exactly these bytes: a json(b) parameter
      -- would be serialized again, or normalized, on the way in.
      ${JSON.stringify(response.body)}::text::json
    )
    on conflict (api_key_id, key) do update set
      request_hash = excluded.request_hash,
      response_status = excluded.response_status,
      response_headers = excluded.response_headers,
      response_body = excluded.response_body,
      created_at = clock_timestamp()
    where idempotency_keys.created_at <= clock_timestamp() - make_interval(hours => ${ttlHours})
    returning 1
  `;
  return rows.length === 1;
}

/**
 * Deletes up to `batch` records older than `ttlHours`; returns how many. Batched so one
 * round never holds locks on a huge number of rows.
 */
export async function deleteExpiredIdempotencyRecords(
  sql: Db,
  ttlHours: number,
  batch: number,
): Promise<number> {
  const [row] = await sql<{ deleted: number }[]>`
    with d as (
      delete from idempotency_keys
      where ctid = any(array(
        select ctid from idempotency_keys
        where created_at <= clock_timestamp() - make_interval(hours => ${ttlHours})
        limit ${batch}
      ))
      returning 1
    )
    select count(*)::int as deleted from d
  `;
  return row.deleted;
}
