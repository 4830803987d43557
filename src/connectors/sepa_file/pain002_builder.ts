/**
 * Writing pain.002.001.10 status reports, as the test bank answers our pain.001 files.
 */

import { buildIsoMessage, type XmlContent } from "./iso_builder.ts";
import { PAIN002_VERSION, type StatusCode } from "./pain002.ts";

/** A reason as a pain.002 gives it; `reasonCode` is an ISO code of up to 4 characters. */
export interface StatusReasonInput {
  reasonCode?: string;
  /** One line of at most 105 characters. */
  additionalInfo?: string;
}

/** A transaction's status in a report to build. */
export interface TransactionStatusInput extends StatusReasonInput {
  originalEndToEndId: string;
  /** Left out when the block's or file's status applies. */
  status?: StatusCode;
}

/** A payment block's status in a report to build. */
export interface PaymentInfoStatusInput extends StatusReasonInput {
  originalPaymentInfoId: string;
  status?: StatusCode;
  transactions?: TransactionStatusInput[];
}

/** A status report to build. */
export interface Pain002Input extends StatusReasonInput {
  messageId: string;
  createdAt: Date;
  originalMessageId: string;
  /** Defaults to "pain.001.001.09". */
  originalMessageNameId?: string;
  groupStatus?: StatusCode;
  paymentInfos?: PaymentInfoStatusInput[];
}

function reasonElements(reason: StatusReasonInput): XmlContent | undefined {
  const { reasonCode, additionalInfo } = reason;
  if (reasonCode === undefined && additionalInfo === undefined) return undefined;
  if (reasonCode !== undefined && !/^[A-Z0-9]{1,4}$/.test(reasonCode)) {
    throw new TypeError(`a reason code has 1 to 4 letters or digits, got "${reasonCode}"`);
  }
  if (additionalInfo !== undefined && additionalInfo.length > 105) {
    throw new TypeError("AddtlInf holds at most 105 characters");
  }
  return {
    Rsn: reasonCode === undefined ? undefined : { Cd: reasonCode },
    AddtlInf: additionalInfo,
  };
}

function transaction(tx: TransactionStatusInput): XmlContent {
  return {
    OrgnlEndToEndId: tx.originalEndToEndId,
    TxSts: tx.status,
    StsRsnInf: reasonElements(tx),
  };
}

/**
 * Writes a pain.002.001.10 answering the pain.001 `originalMessageId`, with the given
 * file-level status and reason, and per block and transaction statuses.
 * @throws TypeError if a reason code or line is longer than the schema allows.
 */
export function buildPain002(report: Pain002Input): string {
  return buildIsoMessage(PAIN002_VERSION, "CstmrPmtStsRpt", {
    GrpHdr: { MsgId: report.messageId, CreDtTm: report.createdAt.toISOString() },
    OrgnlGrpInfAndSts: {
      OrgnlMsgId: report.originalMessageId,
      OrgnlMsgNmId: report.originalMessageNameId ?? "pain.001.001.09",
      GrpSts: report.groupStatus,
      StsRsnInf: reasonElements(report),
    },
    OrgnlPmtInfAndSts: (report.paymentInfos ?? []).map((block) => ({
      OrgnlPmtInfId: block.originalPaymentInfoId,
      PmtInfSts: block.status,
      StsRsnInf: reasonElements(block),
      TxInfAndSts: (block.transactions ?? []).map(transaction),
    })),
  });
}
