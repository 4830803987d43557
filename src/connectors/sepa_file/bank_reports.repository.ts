/**
 * SQL for the reports the bank drops (pain.002 status reports, camt.054 notifications): each
 * file recorded once by (name, content hash), and whether and how it was applied. Callers
 * run these inside the transaction that applies the report.
 */
import type { Db } from "../../db/types.ts";

export type ReportKind = "pain.002" | "camt.054" | "unknown";

/** A report as recorded. */
export interface RecordedReport {
  id: string;
  name: string;
  sha256: string;
  kind: ReportKind;
  receivedAt: Date;
  appliedAt: Date | null;
  /** What applying it did, `duplicate`, or null while undecided. */
  outcome: string | null;
  duplicateOf: string | null;
  attempts: number;
  lastError: string | null;
}

// Two-key advisory locks live apart from one-key ones (migrator, webhook claim); this class
// id only has to be unique among two-key locks.
const CONTENT_LOCK_CLASS = 0x62727074;

/**
 * Holds, until the transaction ends, the lock on one report content: two pickups of the same
 * content under different names then run one after the other, and the second sees the
 * first applied.
 */
export async function lockReportContent(sql: Db, sha256: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(${CONTENT_LOCK_CLASS}, hashtext(${sha256}))`;
}

/**
 * Records the report unless (name, sha256) already is, and returns its row locked for the
 * rest of the transaction.
 */
export async function recordReport(
  sql: Db,
  report: { name: string; sha256: string; kind: ReportKind; content: Uint8Array },
): Promise<RecordedReport> {
  await sql`
    insert into bank_reports (name, sha256, kind, content)
    values (${report.name}, ${report.sha256}, ${report.kind}, ${report.content})
    on conflict (name, sha256) do nothing
  `;
  const [row] = await sql<ReportRow[]>`
    select ${sql(REPORT_COLUMNS)} from bank_reports
    where name = ${report.name} and sha256 = ${report.sha256}
    for update
  `;
  return toReport(row);
}

/** Another report with this content that was applied: its id, or null. */
export async function findAppliedContent(
  sql: Db,
  sha256: string,
  exceptId: string,
): Promise<string | null> {
  const [row] = await sql<{ id: string }[]>`
    select id from bank_reports
    where sha256 = ${sha256} and applied_at is not null and id <> ${exceptId}
    order by applied_at
    limit 1
  `;
  return row?.id ?? null;
}

/** Marks the report applied with what applying it did; in the transaction that applied it. */
export async function markApplied(sql: Db, id: string, outcome: string): Promise<void> {
  await sql`
    update bank_reports set applied_at = clock_timestamp(), outcome = ${outcome},
      last_error = null
    where id = ${id} and applied_at is null
  `;
}

/** Marks the report a copy of an applied one: recorded, never applied. */
export async function markDuplicate(sql: Db, id: string, originalId: string): Promise<void> {
  await sql`
    update bank_reports set outcome = 'duplicate', duplicate_of = ${originalId}
    where id = ${id} and applied_at is null
  `;
}

/** Counts a failed attempt to apply the report, which stays unapplied for the next round. */
export async function markApplyFailed(sql: Db, id: string, error: string): Promise<void> {
  await sql`
    update bank_reports set attempts = attempts + 1, last_error = ${error}
    where id = ${id} and applied_at is null
  `;
}

const REPORT_COLUMNS = [
  "id",
  "name",
  "sha256",
  "kind",
  "received_at",
  "applied_at",
  "outcome",
  "duplicate_of",
  "attempts",
  "last_error",
];

interface ReportRow {
  id: string;
  name: string;
  sha256: string;
  kind: ReportKind;
  received_at: Date;
  applied_at: Date | null;
  outcome: string | null;
  duplicate_of: string | null;
  attempts: number;
  last_error: string | null;
}

function toReport(row: ReportRow): RecordedReport {
  return {
    id: row.id,
    name: row.name,
    sha256: row.sha256,
    kind: row.kind,
    receivedAt: row.received_at,
    appliedAt: row.applied_at,
    outcome: row.outcome,
    duplicateOf: row.duplicate_of,
    attempts: row.attempts,
    lastError: row.last_error,
  };
}
