/**
 * Writing camt.054.001.08 notifications of returned credit transfers, as the test bank reports
 * a transfer the beneficiary's bank sent back.
 */

import { currencyExponent } from "../../payouts/currencies.ts";
import { formatMinor } from "../../payouts/money.ts";
import { CAMT054_VERSION } from "./camt054.ts";
import { amountElement, buildIsoMessage, type XmlContent } from "./iso_builder.ts";

/** One returned transfer to notify. */
export interface ReturnInput {
  originalEndToEndId: string;
  amountMinor: bigint;
  /** Defaults to "EUR". */
  currency?: string;
  /** ISO return reason code, e.g. "AC04". */
  reasonCode: string;
  /** One line of at most 105 characters. */
  additionalInfo?: string;
  /** MsgId and PmtInfId of the pain.001 the transfer was in, if the bank quotes them. */
  originalMessageId?: string;
  originalPaymentInfoId?: string;
}

/** A notification to build: one booked credit entry per return, on `accountIban`. */
export interface Camt054Input {
  messageId: string;
  createdAt: Date;
  accountIban: string;
  /** "YYYY-MM-DD". */
  bookingDate: string;
  returns: ReturnInput[];
}

function entry(ret: ReturnInput, bookingDate: string): XmlContent {
  const currency = ret.currency ?? "EUR";
  const exponent = currencyExponent(currency);
  if (exponent === undefined) throw new TypeError(`unknown currency ${currency}`);
  if (ret.amountMinor <= 0n) throw new TypeError("a returned amount is positive");
  if (!/^[A-Z0-9]{1,4}$/.test(ret.reasonCode)) {
    throw new TypeError(`a reason code has 1 to 4 letters or digits, got "${ret.reasonCode}"`);
  }
  if (ret.additionalInfo !== undefined && ret.additionalInfo.length > 105) {
    throw new TypeError("AddtlInf holds at most 105 characters");
  }
  const amount = amountElement(formatMinor(ret.amountMinor, exponent), currency);
  return {
    Amt: amount,
    CdtDbtInd: "CRDT",
    Sts: { Cd: "BOOK" },
    BookgDt: { Dt: bookingDate },
    ValDt: { Dt: bookingDate },
    // Payments / issued credit transfers / return.
    BkTxCd: { Domn: { Cd: "PMNT", Fmly: { Cd: "ICDT", SubFmlyCd: "RRTN" } } },
    NtryDtls: {
      TxDtls: {
        Refs: {
          MsgId: ret.originalMessageId,
          PmtInfId: ret.originalPaymentInfoId,
          EndToEndId: ret.originalEndToEndId,
        },
        Amt: amount,
        CdtDbtInd: "CRDT",
        RtrInf: { Rsn: { Cd: ret.reasonCode }, AddtlInf: ret.additionalInfo },
      },
    },
  };
}

/**
 * Writes a camt.054.001.08 with one notification for `accountIban` holding one booked credit
 * entry (bank transaction code PMNT/ICDT/RRTN) per returned transfer.
 * @throws TypeError on an unknown currency, a non-positive amount, a malformed reason code or
 *   an over-long AddtlInf.
 */
export function buildCamt054(notification: Camt054Input): string {
  const createdAt = notification.createdAt.toISOString();
  return buildIsoMessage(CAMT054_VERSION, "BkToCstmrDbtCdtNtfctn", {
    GrpHdr: { MsgId: notification.messageId, CreDtTm: createdAt },
    Ntfctn: {
      Id: notification.messageId,
      CreDtTm: createdAt,
      Acct: { Id: { IBAN: notification.accountIban } },
      Ntry: notification.returns.map((ret) => entry(ret, notification.bookingDate)),
    },
  });
}
