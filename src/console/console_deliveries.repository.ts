/** SQL for the console's list of failing webhook deliveries, over every endpoint. */
import type { Db } from "../db/types.ts";

export interface FailingDelivery {
  messageId: string;
  endpointId: string;
  endpointUrl: string;
  endpointStatus: "enabled" | "disabled";
  eventType: string;
  payoutId: string | null;
  /** `failed`: given up on; `pending`: at least one attempt failed, retries to come. */
  status: "pending" | "failed";
  attemptCount: number;
  nextAttemptAt: Date;
  lastAttempt: { at: Date; statusCode: number | null; error: string | null } | null;
}

interface Row {
  id: string;
  endpoint_id: string;
  url: string;
  endpoint_status: "enabled" | "disabled";
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
 * The newest `limit` messages of endpoints not deleted that were given up on or are being
 * retried, with their last attempt. Scans the failed messages (no index covers them): for
 * an operator's look, not for polling.
 */
export async function listFailingDeliveries(sql: Db, limit: number): Promise<FailingDelivery[]> {
  const rows = await sql<Row[]>`
    select m.id, m.endpoint_id, ep.url, ep.status as endpoint_status, m.event_type, m.payout_id,
      m.status, m.attempt_count, m.next_attempt_at,
      a.at as last_at, a.status_code as last_status_code, a.error as last_error
    from webhook_messages m
    join webhook_endpoints ep on ep.id = m.endpoint_id and ep.deleted_at is null
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
