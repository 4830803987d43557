/** SQL the benchmark needs beyond the service's own: resetting and measuring its database. */
import type postgres from "postgres";

/** Empties the payout tables (and whatever references them) between phases. */
export async function truncatePayouts(sql: postgres.Sql): Promise<void> {
  await sql`truncate payouts, payout_events, payout_outbox, provider_calls cascade`;
}

/** Up to `limit` payout ids, for GET /api/payouts/{id}/. */
export async function samplePayoutIds(sql: postgres.Sql, limit: number): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    select id from payouts order by random() limit ${limit}
  `;
  return rows.map((row) => row.id);
}

/**
 * Whether any payout is still pending or processing: stops at the first one found through
 * the partial index of unfinished payouts, so polling it costs the measured system little.
 */
export async function anyUnfinished(sql: postgres.Sql): Promise<boolean> {
  const [row] = await sql<{ found: boolean }[]>`
    select exists(select 1 from payouts where status in ('pending', 'processing')) as found
  `;
  return row.found;
}

/** How many payouts are in each status (a full scan: only once the work looks done). */
export async function countByStatus(sql: postgres.Sql): Promise<Record<string, number>> {
  const rows = await sql<{ status: string; n: number }[]>`
    select status, count(*)::int as n from payouts group by status
  `;
  return Object.fromEntries(rows.map((row) => [row.status, row.n]));
}

/** Percentiles of a lag, in milliseconds (0 when nothing was measured). */
export interface LagStats {
  lagP50Ms: number;
  lagP99Ms: number;
  lagMaxMs: number;
}

/** The columns `p50`, `p99` and `max` of `lag_ms`, for a query over rows that have one. */
function lagColumns(sql: postgres.Sql) {
  return sql`
    percentile_cont(0.5) within group (order by lag_ms)::float8 as p50,
    percentile_cont(0.99) within group (order by lag_ms)::float8 as p99,
    max(lag_ms)::float8 as max
  `;
}

type LagRow = { p50: number | null; p99: number | null; max: number | null };

function lagStats(row: LagRow): LagStats {
  return { lagP50Ms: row.p50 ?? 0, lagP99Ms: row.p99 ?? 0, lagMaxMs: row.max ?? 0 };
}

export interface CompletionStats extends LagStats {
  completed: number;
  /** From the first creation to the last completion, in seconds. */
  spanS: number;
  /** From the first creation to the last, in seconds. */
  createSpanS: number;
}

/**
 * Creation-to-completion lag of completed payouts: updated_at is stamped by the transition
 * to `completed`, the last write a payout gets.
 */
export async function completionStats(sql: postgres.Sql): Promise<CompletionStats> {
  const [row] = await sql<
    ({ n: number; span: number | null; create_span: number | null } & LagRow)[]
  >`
    with done as (
      select created_at, updated_at,
        extract(epoch from updated_at - created_at) * 1000 as lag_ms
      from payouts where status = 'completed'
    )
    select count(*)::int as n,
      extract(epoch from max(updated_at) - min(created_at))::float8 as span,
      extract(epoch from max(created_at) - min(created_at))::float8 as create_span,
      ${lagColumns(sql)}
    from done
  `;
  return {
    completed: row.n,
    spanS: row.span ?? 0,
    createSpanS: row.create_span ?? 0,
    ...lagStats(row),
  };
}

/** Server process ids of the sessions on this database (the services' pools among them). */
export async function backendPids(sql: postgres.Sql): Promise<number[]> {
  const rows = await sql<{ pid: number }[]>`
    select pid from pg_stat_activity where datname = current_database()
  `;
  return rows.map((row) => row.pid);
}

/** Whether any webhook message still waits for delivery (through the partial due index). */
export async function anyWebhookPending(sql: postgres.Sql): Promise<boolean> {
  const [row] = await sql<{ found: boolean }[]>`
    select exists(select 1 from webhook_messages where status = 'pending') as found
  `;
  return row.found;
}

export interface WebhookStats extends LagStats {
  delivered: number;
  failed: number;
  /** From the first payout's creation to the last delivery, in seconds. */
  spanS: number;
}

/** Delivery figures of the run's webhook messages; the lag runs from the event to its delivery. */
export async function webhookStats(sql: postgres.Sql): Promise<WebhookStats> {
  const [row] = await sql<({ delivered: number; failed: number; span: number | null } & LagRow)[]>`
    with m as (
      select status, delivered_at,
        extract(epoch from delivered_at - occurred_at) * 1000 as lag_ms
      from webhook_messages
    )
    select count(*) filter (where status = 'delivered')::int as delivered,
      count(*) filter (where status = 'failed')::int as failed,
      extract(epoch from max(delivered_at) - (select min(created_at) from payouts))::float8
        as span,
      ${lagColumns(sql)}
    from m
  `;
  return { delivered: row.delivered, failed: row.failed, spanS: row.span ?? 0, ...lagStats(row) };
}

/** Up to `limit` ids the API shows (canceled payouts answer 404), for the growth phase. */
export async function sampleVisiblePayoutIds(sql: postgres.Sql, limit: number): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    select id from payouts where status <> 'canceled' order by random() limit ${limit}
  `;
  return rows.map((row) => row.id);
}

/**
 * The list position `offset` payouts into the API's newest-first walk (canceled ones are
 * not listed), as the list query's cursor encodes it: one scan here instead of thousands of
 * pages of cursor-following.
 */
export async function listPositionAt(
  sql: postgres.Sql,
  offset: number,
): Promise<{ createdMicros: string; id: string } | undefined> {
  const [row] = await sql<{ id: string; created_micros: string }[]>`
    select id, (extract(epoch from created_at) * 1000000)::bigint::text as created_micros
    from payouts where status <> 'canceled'
    order by created_at desc, id desc
    offset ${offset} limit 1
  `;
  return row ? { createdMicros: row.created_micros, id: row.id } : undefined;
}

/**
 * Brings freshly seeded payout tables to rest, as a live table of that size is: vacuumed and
 * analyzed, as autovacuum does (a bulk load has no visibility map and stale statistics), and
 * checkpointed, so that Postgres writes the load's pages out now rather than during the reads
 * measured next (a checkpoint that the seed's WAL starts would otherwise write through them).
 * `CHECKPOINT` needs a superuser or `pg_checkpoint`: without either it is skipped, and the
 * result says so, rather than failing a run minutes in.
 */
export async function settleSeededPayouts(
  sql: postgres.Sql,
): Promise<{ checkpointed: boolean }> {
  await sql`vacuum (analyze) payouts, payout_events`;
  try {
    await sql`checkpoint`;
  } catch (error) {
    if ((error as { code?: string }).code === "42501") return { checkpointed: false };
    throw error;
  }
  return { checkpointed: true };
}
