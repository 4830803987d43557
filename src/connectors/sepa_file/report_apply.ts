/**
 * What the bank's reports do to payouts, applied inside the transaction that records the
 * report (report_pickup.ts), so each report takes effect once:
 *
 * - a pain.002 status report about one of our files completes the payouts the bank accepted
 *   (ACSC, ACSP, ACCP, ACWC, ACCC) and fails those it rejected (RJCT, with the bank's reason
 *   code), and leaves pending ones (PDNG and every other status) as they are; a file we
 *   thought in doubt, or had not yet marked uploaded, is marked delivered;
 * - a camt.054 notification of returned credit transfers marks their payouts `returned`.
 *
 * Every change is conditional (still processing, through sepa_file, in that file), so a report
 * applied twice, or one about payouts already decided, changes nothing. Reports about files or
 * transfers that are not ours, unknown reports and unreadable ones are recorded and ignored.
 *
 * @module
 */
import type { Db } from "../../db/types.ts";
import {
  type BankSettlement,
  returnPayouts,
  settleFilePayouts,
} from "../../payouts/bank_outcomes.repository.ts";
import { formatMinor } from "../../payouts/money.ts";
import { currencyExponent } from "../../payouts/currencies.ts";
import { SEPA_FILE } from "../connector_catalog.ts";
import type { ReportKind } from "./bank_reports.repository.ts";
import { parseCamt054 } from "./camt054.ts";
import { parsePain002, type StatusCode, transactionStatuses } from "./pain002.ts";
import { describeReason } from "./reason_codes.ts";
import type { BankReport } from "./report_pickup.ts";
import { ReportParseError } from "./sepa_errors.ts";
import { findSepaFile, markUploaded, resolveInDoubt } from "./sepa_files.repository.ts";
import { fileIdFromMsgId, payoutIdFromEndToEndId } from "./sepa_ids.ts";
import { paymentsOfFile } from "./sepa_payments.repository.ts";

/** Statuses that mean the bank executes the transfer: the payout is completed. */
export const ACCEPTED_STATUSES: ReadonlySet<StatusCode> = new Set<StatusCode>([
  "ACSC",
  "ACSP",
  "ACCP",
  "ACWC",
  "ACCC",
]);

/** What applying a report did. */
export interface AppliedReport {
  /** Kept as the report's outcome in bank_reports. */
  summary: string;
  /** Whether it changed anything (payouts, or a file's upload status). */
  changed: boolean;
  /** For each payout it completed: seconds since the payout was created. */
  confirmations: number[];
}

const ISO_NAMESPACE = /^urn:iso:std:iso:20022:tech:xsd:([a-z]{4}\.[0-9]{3})\.[0-9]{3}\.[0-9]{2}$/;

/**
 * A report's kind, by its root element's ISO 20022 namespace (whatever its prefix): pain.002
 * or camt.054, any version (a version we do not read is recorded as unreadable); anything
 * else is `unknown`.
 */
export function classifyReport(_name: string, content: Uint8Array): ReportKind {
  const text = new TextDecoder().decode(content.subarray(0, 8192));
  // The first element after the prolog, comments and processing instructions.
  const root =
    /^(?:\s|<\?[\s\S]*?\?>|<!--[\s\S]*?-->)*<([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)([^>]*)>/
      .exec(text.replace(/^\uFEFF/, ""));
  if (!root) return "unknown";
  const [, tag, attributes] = root;
  const prefix = tag.includes(":") ? tag.split(":")[0] : undefined;
  if ((prefix ? tag.split(":")[1] : tag) !== "Document") return "unknown";
  const attribute = prefix ? `xmlns:${prefix}` : "xmlns";
  const namespace = new RegExp(`(?:^|\\s)${attribute.replace(".", "\\.")}\\s*=\\s*("|')(.*?)\\1`)
    .exec(attributes)?.[2];
  const message = namespace === undefined ? undefined : ISO_NAMESPACE.exec(namespace)?.[1];
  return message === "pain.002" || message === "camt.054" ? message : "unknown";
}

/** Applies `report` with `sql`, the transaction that records it. */
export async function applyBankReport(report: BankReport, sql: Db): Promise<AppliedReport> {
  const ignored = (summary: string): AppliedReport => ({
    summary,
    changed: false,
    confirmations: [],
  });
  if (report.kind === "unknown") return ignored("not a pain.002 or camt.054: ignored");
  const xml = new TextDecoder().decode(report.content);
  try {
    return report.kind === "pain.002"
      ? await applyStatusReport(xml, report.name, sql)
      : await applyReturns(xml, report.name, sql);
  } catch (error) {
    // Nothing in it can be trusted, and reading it again will not help: an operator looks.
    if (error instanceof ReportParseError) {
      return ignored(`unreadable ${report.kind}: ${error.message}; ignored`);
    }
    throw error;
  }
}

async function applyStatusReport(xml: string, name: string, sql: Db): Promise<AppliedReport> {
  const report = parsePain002(xml);
  const fileId = fileIdFromMsgId(report.originalMessageId);
  const file = fileId === undefined ? null : await findSepaFile(sql, fileId);
  if (file === null) {
    return {
      summary: `pain.002 ${report.messageId} answers ${report.originalMessageId}, which is ` +
        "not a file of ours: ignored",
      changed: false,
      confirmations: [],
    };
  }
  // The bank answering the file is the proof it arrived.
  const delivered = file.status === "in_doubt"
    ? await resolveInDoubt(sql, file.id, "delivered")
    : file.status === "built" || file.status === "uploading"
    ? await markUploaded(sql, file.id)
    : false;
  const payments = await paymentsOfFile(sql, file.id);
  const ours = new Map(payments.map((payment) => [payment.endToEndId, payment.payoutId]));
  const unknown = new Set(
    report.transactions.map((tx) => tx.originalEndToEndId).filter((id) => !ours.has(id)),
  );
  const settlements: BankSettlement[] = [];
  let pending = 0;
  for (const [endToEndId, status] of transactionStatuses(report, ours.keys())) {
    const detail = {
      connector: SEPA_FILE.name,
      bank_status: status.status,
      report: name,
      file_id: file.id,
      ...(status.reasonCode ? { reason_code: status.reasonCode } : {}),
    };
    const payoutId = ours.get(endToEndId)!;
    if (ACCEPTED_STATUSES.has(status.status)) {
      settlements.push({ payoutId, status: "completed", detail });
    } else if (status.status === "RJCT") {
      const reason = `rejected by the bank: ${
        describeReason(status.reasonCode, status.additionalInfo)
      }`;
      settlements.push({ payoutId, status: "failed", reason, detail });
    } else {
      pending++;
    }
  }
  const settled = await settleFilePayouts(sql, {
    connector: SEPA_FILE.name,
    fileId: file.id,
    settlements,
  }, `bank:${name}`);
  const completed = settled.filter((row) => row.status === "completed");
  const failed = settled.length - completed.length;
  const parts = [
    `${completed.length} completed`,
    `${failed} failed`,
    `${pending} pending`,
    `${settlements.length - settled.length} already decided`,
    `${unknown.size} unknown EndToEndId${unknown.size === 1 ? "" : "s"}`,
  ];
  return {
    summary: `pain.002 ${report.messageId} for ${file.name}: ${parts.join(", ")}` +
      (delivered ? "; the file is delivered" : ""),
    changed: delivered || settled.length > 0,
    confirmations: completed.map((row) => row.ageSeconds),
  };
}

async function applyReturns(xml: string, name: string, sql: Db): Promise<AppliedReport> {
  const report = parseCamt054(xml);
  const returns = [];
  for (const item of report.returns) {
    const payoutId = payoutIdFromEndToEndId(item.originalEndToEndId);
    if (payoutId === undefined) continue;
    const exponent = currencyExponent(item.currency) ?? 2;
    returns.push({
      payoutId,
      reason: describeReason(item.reasonCode, item.additionalInfo),
      detail: {
        connector: SEPA_FILE.name,
        report: name,
        reason_code: item.reasonCode,
        returned_amount: formatMinor(item.amountMinor, exponent),
        currency: item.currency,
        ...(item.bookingDate ? { booking_date: item.bookingDate } : {}),
      },
    });
  }
  const returned = await returnPayouts(sql, { connector: SEPA_FILE.name, returns }, `bank:${name}`);
  const ignoredCount = report.returns.length - returned.length;
  return {
    summary: `camt.054 ${report.messageId}: ${returned.length} returned, ${ignoredCount} ` +
      "not payouts of ours that could be returned (ignored)",
    changed: returned.length > 0,
    confirmations: [],
  };
}
