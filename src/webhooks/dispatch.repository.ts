/**
 * SQL for delivering webhook messages: claiming due messages under a lease, recording each
 * attempt with its outcome, disabling endpoints that keep failing, and letting go of leases
 * on shutdown. Every change is one conditional statement, decided by the database.
 */
import type { Db, Pool } from "../db/types.ts";

/** A message taken for delivery, with what is needed to send it. */
export interface ClaimedMessage {
  id: string;
  endpointId: string;
  eventType: string;
  data: unknown;
  occurredAt: Date;
  /** Attempts recorded before this one. */
  attemptCount: number;
  url: string;
  /** The secrets that sign now: the current one, and the previous one during its grace. */
  secrets: string[];
  /** A `deno task webhooks listen` endpoint: its URL may (and must) be a loopback one. */
  listener: boolean;
}

export interface ClaimOptions {
  worker: string;
  /** At most this many messages (the caller's free slots). */
  limit: number;
  /** How long the claim protects a message from other workers. */
  leaseMs: number;
  /** Leases held on one endpoint at once, counted over every worker. */
  endpointConcurrency: number;
  /** Delay before a message's first attempt, counted from when it was written. */
  firstDelayMs: number;
}

// Any constant works; it only has to differ from other advisory locks of this database.
const CLAIM_LOCK_KEY = 0x77686b31;

/**
 * Leases up to `limit` due messages of enabled endpoints, oldest due first, with no endpoint
 * holding more than `endpointConcurrency` leases afterwards. Claims of all workers run one
 * at a time (a transaction-scoped advisory lock, held for one statement), so each claim's
 * snapshot counts the leases every earlier claim committed: the per-endpoint cap holds
 * exactly, and SKIP LOCKED passes over messages a payout transaction is still writing.
 */
export async function claimDueMessages(
  sql: Pool,
  options: ClaimOptions,
): Promise<ClaimedMessage[]> {
  const { worker, limit, leaseMs, endpointConcurrency, firstDelayMs } = options;
  const rows = await sql.begin(async (tx) => {
    // One round trip for the transaction's settings and the lock:
    // - a lease lost in a crash only lets the message be sent again, which at-least-once
    //   delivery allows, so the claim need not wait for its WAL flush;
    // - the planner cannot tell how many messages are due (the time filters), guesses a
    //   handful and sorts an endpoint's whole backlog: read the first few in index order;
    // - that inflates the cost estimate past the JIT threshold, and compiling would take
    //   longer than the whole claim.
    await tx`
      select set_config('synchronous_commit', 'off', true),
        set_config('enable_sort', 'off', true),
        set_config('jit', 'off', true),
        pg_advisory_xact_lock(${CLAIM_LOCK_KEY})
    `;
    return await tx<ClaimRow[]>`
      with held as (
        -- Leases in force per endpoint, whoever holds them.
        select endpoint_id, count(*)::int as n
        from webhook_messages
        where status = 'pending' and lease_owner is not null
          and lease_until >= clock_timestamp()
        group by endpoint_id
      ), room as (
        -- Enabled endpoints with room under their cap, and how much.
        select ep.id as endpoint_id, ${endpointConcurrency} - coalesce(held.n, 0) as free
        from webhook_endpoints ep
        left join held on held.endpoint_id = ep.id
        where ep.status = 'enabled' and ep.deleted_at is null
          -- A local listener's endpoint only while its CLI renews the lease.
          and (ep.listener_expires_at is null or ep.listener_expires_at > clock_timestamp())
          and coalesce(held.n, 0) < ${endpointConcurrency}
      ), due as (
        -- Each endpoint's oldest due messages, at most its room: a few index entries per
        -- endpoint, however long a backlog (a full endpoint's is not read at all).
        select d.id, d.next_attempt_at
        from room
        cross join lateral (
          select m.id, m.next_attempt_at
          from webhook_messages m
          where m.endpoint_id = room.endpoint_id
            and m.status = 'pending'
            -- now(), the transaction's start, is stable: the index can bound the scan with it.
            and m.next_attempt_at <= now()
            and (m.attempt_count > 0
              or m.next_attempt_at <= now() - ${firstDelayMs} * interval '1 millisecond')
            and (m.lease_until is null or m.lease_until < now())
          order by m.next_attempt_at, m.id
          limit room.free
          for update of m skip locked
        ) d
      ), chosen as (
        select id from due
        order by next_attempt_at, id
        limit ${limit}
      ), claimed as (
        update webhook_messages m set
          lease_owner = ${worker},
          lease_until = clock_timestamp() + ${leaseMs} * interval '1 millisecond'
        from chosen
        where m.id = chosen.id
        returning m.id, m.endpoint_id, m.event_type, m.data, m.occurred_at, m.attempt_count
      )
      select claimed.*, ep.url, ep.secret, ep.listener_expires_at is not null as listener,
        case when ep.previous_secret_expires_at > clock_timestamp() then ep.previous_secret end
          as previous_secret
      from claimed join webhook_endpoints ep on ep.id = claimed.endpoint_id
      order by claimed.occurred_at, claimed.id
    `;
  });
  return rows.map((row) => ({
    id: row.id,
    endpointId: row.endpoint_id,
    eventType: row.event_type,
    data: row.data,
    occurredAt: row.occurred_at,
    attemptCount: row.attempt_count,
    url: row.url,
    secrets: row.previous_secret ? [row.secret, row.previous_secret] : [row.secret],
    listener: row.listener,
  }));
}

interface ClaimRow {
  id: string;
  endpoint_id: string;
  event_type: string;
  data: unknown;
  occurred_at: Date;
  attempt_count: number;
  url: string;
  secret: string;
  previous_secret: string | null;
  listener: boolean;
}

/** What one attempt brought, as the attempt log keeps it. */
export interface AttemptRecord {
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  /** The start of the response body (the caller bounds it). */
  responseBody: string | null;
}

/** What becomes of the message after the attempt. */
export type MessageFate =
  | { status: "delivered" }
  | { status: "pending"; retryInMs: number }
  | { status: "failed" };

/** One finished attempt, to be recorded. */
export interface AttemptOutcome {
  messageId: string;
  attempt: AttemptRecord;
  fate: MessageFate;
}

/**
 * Logs each attempt, moves its message on and updates the endpoints' `failing_since`, in one
 * statement for the whole batch that changes only the messages this worker still holds the
 * lease of. Returns the ids it recorded; a message missing from it was taken over by another
 * worker (its attempt counts instead).
 */
export async function recordAttempts(
  sql: Db,
  worker: string,
  outcomes: readonly AttemptOutcome[],
): Promise<Set<string>> {
  if (outcomes.length === 0) return new Set();
  const input = outcomes.map(({ messageId, attempt, fate }) => ({
    id: messageId,
    status: fate.status,
    retry_in_ms: fate.status === "pending" ? fate.retryInMs : 0,
    status_code: attempt.statusCode,
    duration_ms: Math.max(0, Math.round(attempt.durationMs)),
    error: attempt.error,
    response_body: attempt.responseBody,
  }));
  const rows = await sql<{ id: string }[]>`
    with settings as (
      -- This statement is its own transaction, so the setting covers its commit: it does not
      -- wait for the WAL flush. A crash of Postgres within a fraction of a second may undo
      -- the record; the lease then runs out and the message is sent again, which at-least-
      -- once delivery allows (receivers dedupe on webhook-id). Waiting for one flush per
      -- attempt made the flush, not the receiver, what limited delivery.
      select set_config('synchronous_commit', 'off', true)
    ), input as (
      select * from jsonb_to_recordset(${sql.json(input)}) as x(
        id text, status text, retry_in_ms integer, status_code smallint, duration_ms integer,
        error text, response_body text
      )
    ), m as (
      update webhook_messages set
        status = input.status,
        attempt_count = attempt_count + 1,
        next_attempt_at = case when input.status = 'pending'
          then clock_timestamp() + input.retry_in_ms * interval '1 millisecond'
          else next_attempt_at end,
        delivered_at = case when input.status = 'delivered' then clock_timestamp() end,
        lease_owner = null,
        lease_until = null
      from input
      where webhook_messages.id = input.id and webhook_messages.status = 'pending'
        and webhook_messages.lease_owner = ${worker}
        and exists (select from settings)
      returning webhook_messages.id, webhook_messages.endpoint_id, input.status = 'delivered'
        as succeeded
    ), a as (
      insert into webhook_attempts
        (message_id, status_code, duration_ms, error, response_body, worker)
      select m.id, input.status_code, input.duration_ms, input.error, input.response_body,
        ${worker}
      from m join input on input.id = m.id
    ), outcome as (
      -- Per endpoint: any success in the batch means it works; only failures, that it fails.
      select endpoint_id, bool_or(succeeded) as succeeded from m group by endpoint_id
    ), ep as (
      -- Written only when it changes, so busy endpoints' rows are not rewritten per batch.
      update webhook_endpoints set
        failing_since = case when outcome.succeeded then null else clock_timestamp() end
      from outcome
      where webhook_endpoints.id = outcome.endpoint_id
        and (failing_since is null) = (not outcome.succeeded)
    )
    select id from m
  `;
  return new Set(rows.map((row) => row.id));
}

/** An endpoint the disable chore turned off. */
export interface DisabledEndpoint {
  id: string;
  url: string;
  failingSince: Date;
}

/**
 * Disables enabled endpoints whose every attempt has failed for longer than
 * `disableAfterMs`, saying why in `disabled_reason`. Their pending messages stay pending
 * and are sent again if the endpoint is enabled again.
 */
export async function disableFailingEndpoints(
  sql: Db,
  disableAfterMs: number,
): Promise<DisabledEndpoint[]> {
  const rows = await sql<{ id: string; url: string; failing_since: Date }[]>`
    update webhook_endpoints set
      status = 'disabled',
      disabled_reason = 'every delivery attempt failed for more than '
        || ${formatDuration(disableAfterMs)}::text || ' (failing since '
        || to_char(failing_since at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || ')',
      updated_at = clock_timestamp()
    where status = 'enabled' and deleted_at is null
      and failing_since < clock_timestamp() - ${disableAfterMs} * interval '1 millisecond'
    returning id, url, failing_since
  `;
  return rows.map((row) => ({ id: row.id, url: row.url, failingSince: row.failing_since }));
}

/**
 * Lets go of this worker's leases so another worker sends those messages at once instead
 * of after the lease runs out (on shutdown). Returns how many were released.
 */
export async function releaseMessageLeases(sql: Db, worker: string): Promise<number> {
  const rows = await sql`
    update webhook_messages set lease_owner = null, lease_until = null
    where status = 'pending' and lease_owner = ${worker}
    returning id
  `;
  return rows.length;
}

/** "5 days", "2 hours", "90 seconds": the largest whole unit. */
function formatDuration(ms: number): string {
  const units: [string, number][] = [["day", 86_400_000], ["hour", 3_600_000], [
    "minute",
    60_000,
  ], ["second", 1000]];
  for (const [name, size] of units) {
    if (ms >= size && ms % size === 0) {
      const n = ms / size;
      return `${n} ${name}${n === 1 ? "" : "s"}`;
    }
  }
  return `${ms} ms`;
}
