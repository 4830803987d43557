/** SQL for bulk-loading sample payouts (`deno task seed`). */
import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type postgres from "postgres";
import type { Db } from "../../src/db/types.ts";
import { payoutEvent } from "../../src/payouts/payout_events.sql.ts";

/** One sample payout, its amount already formatted with the currency's fraction digits. */
export interface SeedPayout {
  id: string;
  amount: string;
  currency: string;
  recipientDetails: Record<string, string>;
  description: string;
}

/**
 * Inserts a batch of pending payouts with their `created` events and outbox rows in one
 * statement, so the batch commits whole or not at all, and the outbox covers the window
 * between commit and XADD exactly as it does for the API. Arrays are passed through
 * `unnest`, so a batch of any size is five parameters. Returns the outbox row ids.
 */
export async function insertSeedPayouts(
  sql: Db,
  payouts: SeedPayout[],
  actor: string,
): Promise<string[]> {
  if (payouts.length === 0) return [];
  // Sample data: its audit trail as the API writes it, but no webhook messages.
  const created = payoutEvent(sql, {
    type: "created",
    from: null,
    actor,
    detail: sql`jsonb_build_object('amount', input.amount, 'currency', input.currency)`,
    rows: sql`input join p using (id)`,
    webhooks: [],
  });
  const rows = await sql<{ id: string }[]>`
    with input as (
      -- One reading of the clock per row for created_at and updated_at.
      select *, clock_timestamp() as at from unnest(
        ${payouts.map((p) => p.id)}::uuid[],
        ${payouts.map((p) => p.amount)}::text[],
        ${payouts.map((p) => p.currency)}::text[],
        ${payouts.map((p) => JSON.stringify(p.recipientDetails))}::text[],
        ${payouts.map((p) => p.description)}::text[]
      ) as t(id, amount, currency, recipient_details, description)
    ), p as (
      insert into payouts (id, amount, currency, recipient_details, description, created_at, updated_at)
      select id, amount::numeric, currency, recipient_details::jsonb, description, at, at
      from input
      returning id, status
    ) ${created}
    insert into payout_outbox (payout_id) select id from p
    returning id
  `;
  return rows.map((row) => String(row.id));
}

/** A sample payout that has already reached its end (for a realistic history). */
export interface HistoricalPayout extends SeedPayout {
  status: "completed" | "failed" | "canceled" | "rejected";
  failureReason: string | null;
  version: number;
  attempts: number;
  createdAt: Date;
  updatedAt: Date;
}

/** One row of a payout's audit trail. */
export interface SeedEvent {
  payoutId: string;
  type: string;
  fromStatus: string | null;
  toStatus: string;
  actor: string;
  at: Date;
  detail: Record<string, string>;
}

/** A value in COPY's text format: backslash escapes for the characters it gives meaning. */
function copyText(value: string | null): string {
  if (value === null) return "\\N";
  return value.replace(
    /[\\\t\n\r]/g,
    (c) => c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r",
  );
}

const copyLine = (values: (string | null)[]) => values.map(copyText).join("\t") + "\n";

/** Lines grouped into chunks, so the stream moves kilobytes per write, not single rows. */
function* chunks<T>(items: readonly T[], line: (item: T) => string): Generator<string> {
  const size = 500;
  for (let i = 0; i < items.length; i += size) {
    yield items.slice(i, i + size).map(line).join("");
  }
}

/** Streams `items` into a `COPY … from stdin`, one line of `values` each. */
async function copyIn<T>(
  into: Promise<Writable>,
  items: readonly T[],
  values: (item: T) => (string | null)[],
): Promise<void> {
  await pipeline(Readable.from(chunks(items, (item) => copyLine(values(item)))), await into);
}

/**
 * Loads finished payouts and their events with COPY in one transaction: orders of
 * magnitude faster than inserts for a million rows, and all or nothing per batch. No
 * outbox rows: these payouts are done, no job is due.
 */
export async function copySeedHistory(
  sql: postgres.Sql,
  payouts: readonly HistoricalPayout[],
  events: readonly SeedEvent[],
): Promise<void> {
  if (payouts.length === 0) return;
  await sql.begin(async (tx) => {
    await copyIn(
      tx`
        copy payouts (
          id, amount, currency, recipient_details, description, status, failure_reason,
          version, attempts, enqueued_at, created_at, updated_at
        ) from stdin
      `.writable(),
      payouts,
      (p) => [
        p.id,
        p.amount,
        p.currency,
        JSON.stringify(p.recipientDetails),
        p.description,
        p.status,
        p.failureReason,
        String(p.version),
        String(p.attempts),
        p.createdAt.toISOString(),
        p.createdAt.toISOString(),
        p.updatedAt.toISOString(),
      ],
    );
    await copyIn(
      tx`
        copy payout_events (payout_id, type, from_status, to_status, actor, at, detail)
        from stdin
      `.writable(),
      events,
      (e) => [
        e.payoutId,
        e.type,
        e.fromStatus,
        e.toStatus,
        e.actor,
        e.at.toISOString(),
        JSON.stringify(e.detail),
      ],
    );
  });
}

/** Refreshes the planner's statistics after a bulk load (autovacuum would, later). */
export async function analyzePayouts(sql: postgres.Sql): Promise<void> {
  await sql`analyze payouts, payout_events`;
}
