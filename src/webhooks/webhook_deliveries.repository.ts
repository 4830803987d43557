/**
 * SQL for the delivery logs: an endpoint's messages with their attempts, tests and retries;
 * the failing deliveries of every endpoint, for the operator console.
 */
import { keysetPage, type PageQuery } from "../db/keyset_page.ts";
import type { PagePosition } from "../db/page_cursor.ts";
import type { Db } from "../db/types.ts";
import { TEST_EVENT_TYPE } from "../events/event_types.ts";
import type {
  DeliveryStatus,
  EndpointStatus,
  FailingDelivery,
  WebhookDelivery,
} from "./webhook_endpoint.ts";

interface DeliveryRow {
  id: string;
  event_type: string;
  payout_id: string | null;
  status: DeliveryStatus;
  next_attempt_at: Date;
  created_at: Date;
  delivered_at: Date | null;
  attempts: { at: string; status_code: number | null; duration_ms: number; error: string | null }[];
}

function toDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    eventType: row.event_type,
    payoutId: row.payout_id,
    status: row.status,
    attempts: row.attempts.map((attempt) => ({
      at: new Date(attempt.at),
      statusCode: attempt.status_code,
      durationMs: attempt.duration_ms,
      error: attempt.error,
    })),
    nextAttemptAt: row.next_attempt_at,
    createdAt: row.created_at,
    deliveredAt: row.delivered_at,
  };
}

/**
 * The columns of a delivery, `m` being the message: its attempts, oldest first, come in the
 * same query, so a page costs one round trip whatever its size.
 */
function deliveryColumns(sql: Db) {
  return sql`
    m.id, m.event_type, m.payout_id, m.status, m.next_attempt_at, m.created_at, m.delivered_at,
    coalesce((
      select jsonb_agg(jsonb_build_object(
        'at', to_char(a.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'status_code', a.status_code, 'duration_ms', a.duration_ms, 'error', a.error
      ) order by a.id)
      from webhook_attempts a where a.message_id = m.id
    ), '[]'::jsonb) as attempts
  `;
}

export interface DeliveryQuery extends PageQuery {
  status: DeliveryStatus | null;
}

/** One page of an endpoint's messages, newest first, plus the position of its last item. */
export async function listDeliveries(
  sql: Db,
  endpointId: string,
  query: DeliveryQuery,
): Promise<{ deliveries: WebhookDelivery[]; last: PagePosition | null; more: boolean }> {
  const where = sql`
    m.endpoint_id = ${endpointId}
    ${query.status ? sql`and m.status = ${query.status}` : sql``}
  `;
  const page = await keysetPage(
    sql,
    {
      columns: deliveryColumns(sql),
      from: sql`webhook_messages m`,
      where,
      alias: "m",
      idType: "text",
    },
    query,
    toDelivery,
  );
  return { deliveries: page.items, last: page.last, more: page.more };
}

/** A message of this endpoint, whatever the endpoint's state. */
export async function findDelivery(
  sql: Db,
  endpointId: string,
  messageId: string,
): Promise<WebhookDelivery | undefined> {
  const [row] = await sql<DeliveryRow[]>`
    select ${deliveryColumns(sql)} from webhook_messages m
    where m.id = ${messageId} and m.endpoint_id = ${endpointId}
  `;
  return row ? toDelivery(row) : undefined;
}

/**
 * Records a `webhook.test` message for the endpoint if it exists and is enabled (a disabled
 * endpoint is sent nothing). Returns the new message's id.
 */
export async function insertTestMessage(
  sql: Db,
  endpointId: string,
  text: string,
): Promise<string | undefined> {
  const [row] = await sql<{ id: string }[]>`
    insert into webhook_messages (id, endpoint_id, event_type, payout_id, data)
    select 'msg_' || replace(gen_random_uuid()::text, '-', ''), ep.id, ${TEST_EVENT_TYPE}, null,
      jsonb_build_object('endpoint_id', ep.id, 'message', ${text}::text)
    from webhook_endpoints ep
    where ep.id = ${endpointId} and ep.deleted_at is null and ep.status = 'enabled'
    returning id
  `;
  return row?.id;
}

/**
 * Makes a message of an enabled endpoint due now, whatever its status. The lease is left
 * alone: a message a worker is delivering right now is claimed by no other worker until
 * that lease ends, so it is never sent twice at once. Returns whether it was retried.
 */
export async function retryMessage(
  sql: Db,
  endpointId: string,
  messageId: string,
): Promise<boolean> {
  const rows = await sql`
    update webhook_messages m set status = 'pending', next_attempt_at = clock_timestamp()
    from webhook_endpoints ep
    where m.id = ${messageId} and m.endpoint_id = ${endpointId}
      and ep.id = m.endpoint_id and ep.deleted_at is null and ep.status = 'enabled'
    returning m.id
  `;
  return rows.length === 1;
}

interface FailingRow {
  id: string;
  endpoint_id: string;
  url: string;
  endpoint_status: EndpointStatus;
  event_type: string;
  payout_id: string | null;
  status: "pending" | "failed";
  attempt_count: number;
  next_attempt_at: Date;
  last_at: Date | null;
  last_status_code: number | null;
  last_error: string | null;
}

/**
 * The newest `limit` messages of endpoints not deleted (nor a local listener's) that were
 * given up on or are being retried, with their last attempt. Scans the failed messages (no index covers them): for
 * an operator's look, not for polling.
 */
export async function listFailingDeliveries(sql: Db, limit: number): Promise<FailingDelivery[]> {
  const rows = await sql<FailingRow[]>`
    select m.id, m.endpoint_id, ep.url, ep.status as endpoint_status, m.event_type, m.payout_id,
      m.status, m.attempt_count, m.next_attempt_at,
      a.at as last_at, a.status_code as last_status_code, a.error as last_error
    from webhook_messages m
    join webhook_endpoints ep on ep.id = m.endpoint_id and ep.deleted_at is null
      and ep.listener_expires_at is null
    left join lateral (
      select at, status_code, error from webhook_attempts
      where message_id = m.id order by id desc limit 1
    ) a on true
    where m.status = 'failed' or (m.status = 'pending' and m.attempt_count > 0)
    order by m.created_at desc, m.id desc
    limit ${limit}
  `;
  return rows.map((row) => ({
    messageId: row.id,
    endpointId: row.endpoint_id,
    endpointUrl: row.url,
    endpointStatus: row.endpoint_status,
    eventType: row.event_type,
    payoutId: row.payout_id,
    status: row.status,
    attemptCount: row.attempt_count,
    nextAttemptAt: row.next_attempt_at,
    lastAttempt: row.last_at
      ? { at: row.last_at, statusCode: row.last_status_code, error: row.last_error }
      : null,
  }));
}
