/** SQL for an endpoint's delivery log: its messages with their attempts, tests and retries. */
import type { Db } from "../db/types.ts";
import { TEST_EVENT_TYPE } from "../events/event_types.ts";
import type { DeliveryStatus, PagePosition, WebhookDelivery } from "./webhook_endpoint.ts";

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

export interface DeliveryQuery {
  limit: number;
  after: PagePosition | null;
  status: DeliveryStatus | null;
}

/** One page of an endpoint's messages, newest first, plus the position of its last item. */
export async function listDeliveries(
  sql: Db,
  endpointId: string,
  query: DeliveryQuery,
): Promise<{ deliveries: WebhookDelivery[]; last: PagePosition | null; more: boolean }> {
  const after = query.after;
  const rows = await sql<(DeliveryRow & { created_micros: string })[]>`
    select ${deliveryColumns(sql)},
      (extract(epoch from m.created_at) * 1000000)::bigint as created_micros
    from webhook_messages m
    where m.endpoint_id = ${endpointId}
      ${query.status ? sql`and m.status = ${query.status}` : sql``}
      ${
    after
      ? sql`and (m.created_at, m.id) < (
              'epoch'::timestamptz + ${after.createdMicros}::bigint * interval '1 microsecond',
              ${after.id}::text
            )`
      : sql``
  }
    order by m.created_at desc, m.id desc
    limit ${query.limit + 1}
  `;
  const more = rows.length > query.limit;
  const page = more ? rows.slice(0, query.limit) : rows;
  const tail = page.at(-1);
  return {
    deliveries: page.map(toDelivery),
    last: tail ? { createdMicros: String(tail.created_micros), id: tail.id } : null,
    more,
  };
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
