/**
 * SQL for the temporary endpoints of `deno task webhooks listen`: written by that CLI with a
 * lease it renews, delivered to (at their loopback URL only) while the lease lasts, and
 * deleted with their messages when the CLI ends or, after a kill, by the workers once the
 * lease has been over for a while. The API never sees them.
 */
import type { Db } from "../db/types.ts";

export interface ListenerDraft {
  /** The CLI's own loopback URL (the table's check refuses anything else). */
  url: string;
  /** Event types, or `["*"]`. */
  events: string[];
  secret: string;
  leaseMs: number;
}

/** Inserts an enabled listener endpoint whose lease runs `leaseMs` from now; its id. */
export async function insertListenerEndpoint(sql: Db, draft: ListenerDraft): Promise<string> {
  const [row] = await sql<{ id: string }[]>`
    insert into webhook_endpoints (url, events, description, secret, listener_expires_at)
    values (
      ${draft.url}, ${draft.events}::text[], 'deno task webhooks listen', ${draft.secret},
      clock_timestamp() + ${draft.leaseMs} * interval '1 millisecond'
    )
    returning id
  `;
  return row.id;
}

/**
 * Extends the lease to `leaseMs` from now, if it has not ended yet (an ended lease stays
 * ended: the endpoint may already be gone). Returns whether it was extended.
 */
export async function renewListenerLease(sql: Db, id: string, leaseMs: number): Promise<boolean> {
  const rows = await sql`
    update webhook_endpoints
    set listener_expires_at = clock_timestamp() + ${leaseMs} * interval '1 millisecond'
    where id = ${id} and listener_expires_at > clock_timestamp()
    returning id
  `;
  return rows.length === 1;
}

/** Ends the lease now: from here on the endpoint is sent nothing and written no message. */
export async function endListenerLease(sql: Db, id: string): Promise<void> {
  await sql`
    update webhook_endpoints set listener_expires_at = clock_timestamp()
    where id = ${id} and listener_expires_at > clock_timestamp()
  `;
}

/**
 * Deletes listener endpoints with their messages and attempts, in one statement: the one
 * `id` (none if it is gone already), or every listener whose lease ended more than
 * `endedForMs` ago. Returns the ids deleted. A message or attempt written for one of them after this statement began (its
 * lease had not ended when that writer looked) makes the statement fail on the foreign key
 * and delete nothing; trying again later deletes it.
 */
export async function deleteListenerEndpoints(
  sql: Db,
  which: { id: string } | { endedForMs: number },
): Promise<string[]> {
  // The purge passes over an endpoint another worker is deleting (or a writer holds).
  const chosen = "id" in which
    ? sql`id = ${which.id} and listener_expires_at is not null`
    : sql`listener_expires_at < clock_timestamp() - ${which.endedForMs} * interval '1 millisecond'
      for update skip locked`;
  const rows = await sql<{ id: string }[]>`
    with ep as (
      select id from webhook_endpoints where ${chosen}
    ), m as (
      select id from webhook_messages where endpoint_id in (select id from ep)
    ), a as (
      delete from webhook_attempts where message_id in (select id from m)
    ), dm as (
      delete from webhook_messages where id in (select id from m)
    )
    delete from webhook_endpoints where id in (select id from ep)
    returning id
  `;
  return rows.map((row) => row.id);
}
