/**
 * Picks up the reports the bank leaves in its outbound folder and applies each one once.
 *
 * For every file listed: download it, and in one transaction record it by (name, content
 * hash) and hand it to `apply` with that transaction, so the record and whatever applying
 * wrote commit together or not at all. A file already recorded as applied (listed again,
 * because archiving it failed) and the same content under another name (the bank sent it
 * twice) are recorded but not applied again. Only after the commit is the file moved to
 * `processed/`; a crash in between leaves it listed, and the next round recognises it.
 *
 * @module
 */
import type postgres from "postgres";
import type { Pool } from "../../db/types.ts";
import { sha256Hex } from "../../hash.ts";
import type { OpenBankDrop } from "./bank_drop.ts";
import {
  findAppliedContent,
  lockReportContent,
  markApplied,
  markApplyFailed,
  markDuplicate,
  recordReport,
  type ReportKind,
} from "./bank_reports.repository.ts";

/** A report handed to `apply`. */
export interface BankReport {
  /** The bank_reports row recording it. */
  id: string;
  name: string;
  sha256: string;
  kind: ReportKind;
  content: Uint8Array;
}

/**
 * Applies a report's effects (payout statuses, returns) using `sql`, the transaction that
 * records it. Returns a short summary kept as the report's outcome. Throwing rolls back what
 * it wrote; the report stays unapplied and is offered again next round.
 */
export type ApplyReport = (
  report: BankReport,
  sql: postgres.TransactionSql,
) => Promise<string | void>;

export interface PickupOptions {
  /** Tells the report's kind from its name and content (an error counts as `unknown`). */
  classify: (name: string, content: Uint8Array) => ReportKind;
  apply: ApplyReport;
}

/** What one round did, by file name. */
export interface PickupResult {
  applied: string[];
  /** The same content was applied before under another name. */
  duplicates: string[];
  /** Recorded by an earlier round (which could not archive it). */
  alreadyRecorded: string[];
  /** `apply` threw: left in the folder for the next round. */
  failed: { name: string; error: string }[];
}

/**
 * Runs one pickup round over a fresh session with the drop. Errors of the drop or of
 * Postgres end the round and are thrown; whatever committed before stays committed.
 */
export async function pickUpReports(
  sql: Pool,
  openDrop: OpenBankDrop,
  options: PickupOptions,
): Promise<PickupResult> {
  const result: PickupResult = { applied: [], duplicates: [], alreadyRecorded: [], failed: [] };
  const drop = await openDrop();
  try {
    for (const name of await drop.listReports()) {
      const content = await drop.readReport(name);
      if (content === null) continue; // a concurrent pickup took it since the listing
      const decision = await recordAndApply(sql, name, content, options);
      if (decision.status === "failed") {
        result.failed.push({ name, error: decision.error });
        continue;
      }
      result[decision.status].push(name);
      await drop.archiveReport(name);
    }
  } finally {
    await drop.close();
  }
  return result;
}

type Decision =
  | { status: "applied" | "duplicates" | "alreadyRecorded" }
  | { status: "failed"; error: string };

function recordAndApply(
  sql: Pool,
  name: string,
  content: Uint8Array,
  options: PickupOptions,
): Promise<Decision> {
  const sha256 = sha256Hex(content);
  const kind = classifySafely(options, name, content);
  return sql.begin(async (tx): Promise<Decision> => {
    await lockReportContent(tx, sha256);
    const recorded = await recordReport(tx, { name, sha256, kind, content });
    if (recorded.appliedAt !== null || recorded.duplicateOf !== null) {
      return { status: "alreadyRecorded" };
    }
    const original = await findAppliedContent(tx, sha256, recorded.id);
    if (original) {
      await markDuplicate(tx, recorded.id, original);
      return { status: "duplicates" };
    }
    try {
      // A savepoint, so a failing apply takes back only its own writes, not the record of
      // the failure.
      const outcome = await tx.savepoint((sp) =>
        options.apply({ id: recorded.id, name, sha256, kind, content }, sp)
      );
      await markApplied(tx, recorded.id, outcome || "applied");
      return { status: "applied" };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await markApplyFailed(tx, recorded.id, message);
      return { status: "failed", error: message };
    }
  });
}

function classifySafely(options: PickupOptions, name: string, content: Uint8Array): ReportKind {
  try {
    return options.classify(name, content);
  } catch {
    return "unknown";
  }
}
