/** SQL for the outbox: rows written with each payout, deleted once the job is published. */
import type { Db } from "../db/types.ts";

/** Deletes outbox rows whose jobs are known to be in the stream. */
export async function deleteOutboxRows(sql: Db, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await sql`delete from payout_outbox where id = any(${ids}::bigint[])`;
}

/**
 * Locks up to `limit` outbox rows older than `minAgeMs` that no other relay holds. Must run
 * inside a transaction: the lock lasts until it ends, so concurrent relays never share rows.
 */
export async function lockStaleOutboxRows(
  sql: Db,
  minAgeMs: number,
  limit: number,
): Promise<{ id: string; payoutId: string }[]> {
  const rows = await sql<{ id: string; payout_id: string }[]>`
    select id, payout_id from payout_outbox
    where created_at < clock_timestamp() - ${minAgeMs} * interval '1 millisecond'
    order by id
    limit ${limit}
    for update skip locked
  `;
  return rows.map((row) => ({ id: String(row.id), payoutId: row.payout_id }));
}

/** How many jobs wait in the outbox to be published, and the age of the oldest. */
export async function outboxBacklog(
  sql: Db,
): Promise<{ count: number; oldestAgeMs: number | null }> {
  const [row] = await sql<{ count: number; oldest_age_ms: number | null }[]>`
    select count(*)::int as count,
      (extract(epoch from clock_timestamp() - min(created_at)) * 1000)::float8 as oldest_age_ms
    from payout_outbox
  `;
  return { count: row.count, oldestAgeMs: row.oldest_age_ms };
}
