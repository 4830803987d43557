/**
 * Reading pain.002.001.10 Customer Payment Status Reports: the bank's answer to a pain.001
 * file, at file level (GrpSts), payment-block level (PmtInfSts) and per transaction (TxSts).
 */

import { parseIsoMessage } from "./iso_message.ts";
import { isStatusCode, type StatusCode } from "./payment_status.ts";
import type { XmlNode } from "./xml_node.ts";

export type { StatusCode } from "./payment_status.ts";

/** The message definition read here. */
export const PAIN002_VERSION = "pain.002.001.10";

/** The status of one credit transfer of the original file. */
export interface TransactionStatusReport {
  originalEndToEndId: string;
  /** The PmtInfId of the block it was in, when the report says. */
  originalPaymentInfoId?: string;
  /** In force for this transaction: its own, or the file's or block's where that decides. */
  status: StatusCode;
  /** ISO external status reason (e.g. "AC04"), or the bank's proprietary one. */
  reasonCode?: string;
  additionalInfo?: string;
}

/** The status of one payment information block (PmtInf) of the original file. */
export interface PaymentInfoStatusReport {
  originalPaymentInfoId: string;
  status?: StatusCode;
  reasonCode?: string;
  additionalInfo?: string;
}

/** A parsed pain.002. */
export interface Pain002Report {
  messageId: string;
  /** The MsgId of the pain.001 this answers. */
  originalMessageId: string;
  /** The message type answered, e.g. "pain.001.001.09". */
  originalMessageNameId: string;
  groupStatus?: StatusCode;
  groupReasonCode?: string;
  groupAdditionalInfo?: string;
  paymentInfos: PaymentInfoStatusReport[];
  /** Every transaction the report names. */
  transactions: TransactionStatusReport[];
}

const REPEATED = new Set(["OrgnlPmtInfAndSts", "TxInfAndSts", "StsRsnInf", "AddtlInf"]);

interface Reason {
  reasonCode?: string;
  additionalInfo?: string;
}

function readStatus(node: XmlNode, element: string): StatusCode | undefined {
  const code = node.optionalText(element);
  if (code !== undefined && !isStatusCode(code)) {
    throw node.error(`unknown status code ${JSON.stringify(code)} in <${element}>`);
  }
  return code;
}

// The first coded reason, and every line of additional information in the order given.
function readReason(node: XmlNode): Reason {
  const infos = node.children("StsRsnInf");
  const coded = infos.map((info) => info.optionalChild("Rsn")).find((rsn) => rsn !== undefined);
  const lines = infos.flatMap((info) => info.children("AddtlInf").map((line) => line.ownText()))
    .filter((line) => line !== "");
  const reason: Reason = {};
  const code = coded?.optionalText("Cd") ?? coded?.optionalText("Prtry");
  if (code !== undefined) reason.reasonCode = code;
  if (lines.length > 0) reason.additionalInfo = lines.join(" ");
  return reason;
}

// A status with its reason, at any level.
interface Level extends Reason {
  status?: StatusCode;
}

function effectiveStatus(tx: XmlNode, own: Level, block: Level, file: Level): Level {
  for (const upper of [file, block]) {
    // A rejection above rejects every transaction below, whatever its own status; the
    // transaction's own rejection reason is kept, being the more specific one.
    if (upper.status === "RJCT") {
      return own.status === "RJCT" && own.reasonCode !== undefined ? own : upper;
    }
  }
  if (own.status !== undefined) return own;
  // No TxSts: the block's or file's status applies, unless that says "they differ" (PART).
  const upper = [block, file].find((level) => level.status && level.status !== "PART");
  if (upper === undefined) throw tx.error("no <TxSts> and no file or block status applies");
  return upper;
}

function readTransaction(
  tx: XmlNode,
  block: PaymentInfoStatusReport,
  report: Pain002Report,
): TransactionStatusReport {
  const originalEndToEndId = tx.text("OrgnlEndToEndId");
  const own = { status: readStatus(tx, "TxSts"), ...readReason(tx) };
  if (own.status === "PART") throw tx.error("PART is not a transaction status");
  const file = {
    status: report.groupStatus,
    reasonCode: report.groupReasonCode,
    additionalInfo: report.groupAdditionalInfo,
  };
  const { status, reasonCode, additionalInfo } = effectiveStatus(tx, own, block, file);
  return defined({
    originalEndToEndId,
    originalPaymentInfoId: block.originalPaymentInfoId,
    status: status!,
    reasonCode,
    additionalInfo,
  });
}

function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Parses a pain.002.001.10 document. A file rejected as a whole (GrpSts RJCT) rejects every
 * transaction it names, with the file's reason unless a transaction has its own; likewise a
 * rejected payment block. Transactions the report does not name are not in `transactions`:
 * use {@link transactionStatuses} to learn what the report says about each of yours.
 * @throws ReportParseError if the document is not well-formed, not a pain.002.001.10, lacks a
 *   required element, or uses a status code this service does not know.
 */
export function parsePain002(xml: string): Pain002Report {
  const message = parseIsoMessage(xml, PAIN002_VERSION, "CstmrPmtStsRpt", REPEATED);
  const group = message.child("OrgnlGrpInfAndSts");
  const groupReason = readReason(group);
  const report: Pain002Report = defined({
    messageId: message.child("GrpHdr").text("MsgId"),
    originalMessageId: group.text("OrgnlMsgId"),
    originalMessageNameId: group.text("OrgnlMsgNmId"),
    groupStatus: readStatus(group, "GrpSts"),
    groupReasonCode: groupReason.reasonCode,
    groupAdditionalInfo: groupReason.additionalInfo,
    paymentInfos: [],
    transactions: [],
  });
  for (const block of message.children("OrgnlPmtInfAndSts")) {
    const paymentInfo: PaymentInfoStatusReport = defined({
      originalPaymentInfoId: block.text("OrgnlPmtInfId"),
      status: readStatus(block, "PmtInfSts"),
      ...readReason(block),
    });
    report.paymentInfos.push(paymentInfo);
    for (const tx of block.children("TxInfAndSts")) {
      report.transactions.push(readTransaction(tx, paymentInfo, report));
    }
  }
  return report;
}

/**
 * What `report` says about each of `endToEndIds` (the transactions of the file it answers):
 * the transaction's own entry if the report names it; otherwise RJCT with the file's reason if
 * the whole file was rejected; otherwise the status of the file's only payment block or of the
 * file, unless that is PART ("see the transactions"). Ids the report says nothing about are
 * absent from the map.
 */
export function transactionStatuses(
  report: Pain002Report,
  endToEndIds: Iterable<string>,
): Map<string, TransactionStatusReport> {
  const named = new Map(report.transactions.map((tx) => [tx.originalEndToEndId, tx]));
  const inherited = inheritedStatus(report);
  const statuses = new Map<string, TransactionStatusReport>();
  for (const id of endToEndIds) {
    const status = named.get(id) ??
      (inherited && { originalEndToEndId: id, ...inherited });
    if (status !== undefined) statuses.set(id, status);
  }
  return statuses;
}

// The status a transaction the report does not name has, if the report decides it.
function inheritedStatus(
  report: Pain002Report,
): Omit<TransactionStatusReport, "originalEndToEndId"> | undefined {
  const block = report.paymentInfos.length === 1 ? report.paymentInfos[0] : undefined;
  const file = {
    status: report.groupStatus,
    reasonCode: report.groupReasonCode,
    additionalInfo: report.groupAdditionalInfo,
  };
  // A whole-file rejection decides; else the only block's status, else the file's, unless PART.
  const level = file.status === "RJCT"
    ? file
    : [block, file].find((level) => level?.status && level.status !== "PART");
  if (level?.status === undefined) return undefined;
  return defined({
    originalPaymentInfoId: block?.originalPaymentInfoId,
    status: level.status,
    reasonCode: level.reasonCode,
    additionalInfo: level.additionalInfo,
  });
}
