/** SQL for inspecting the webhook backlog, for `deno task queue status` and the gauges. */
import type { Db } from "../db/types.ts";

export interface WebhookBacklog {
  /** Messages still to be delivered (retries waiting for their time included). */
  pending: number;
  /** Pending messages whose next attempt is due now. */
  due: number;
  /** Age of the oldest pending message, from when its event happened. */
  oldestPendingAgeMs: number | null;
}

/** The pending side of the backlog; reads only the partial index of pending messages. */
export async function webhookBacklog(sql: Db): Promise<WebhookBacklog> {
  const [row] = await sql<{ pending: number; due: number; oldest_age_ms: number | null }[]>`
    select count(*)::int as pending,
      count(*) filter (where next_attempt_at <= clock_timestamp())::int as due,
      (extract(epoch from clock_timestamp() - min(occurred_at)) * 1000)::float8 as oldest_age_ms
    from webhook_messages
    where status = 'pending'
  `;
  return { pending: row.pending, due: row.due, oldestPendingAgeMs: row.oldest_age_ms };
}

/**
 * Messages given up on after the whole retry schedule. Scans the table (no index covers
 * them), so it is for operators' occasional look, not for every metrics scrape.
 */
export async function countFailedWebhookMessages(sql: Db): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from webhook_messages where status = 'failed'
  `;
  return row.n;
}
