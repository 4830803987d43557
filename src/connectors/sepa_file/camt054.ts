/**
 * Reading returns from camt.054.001.08 debit/credit notifications. A SEPA credit transfer the
 * beneficiary's bank cannot apply (account closed, beneficiary deceased, …) is sent back and
 * credited to our account; the notification's entry then carries RtrInf with the reason and
 * the original EndToEndId, which leads back to the payout.
 */

import { currencyExponent } from "../../payouts/currencies.ts";
import { numericToMinor } from "../../payouts/money.ts";
import { parseIsoMessage } from "./iso_message.ts";
import type { XmlNode } from "./xml_node.ts";

/** The message definition read here. */
export const CAMT054_VERSION = "camt.054.001.08";

/** One returned credit transfer. */
export interface ReturnReport {
  /** The EndToEndId of our transfer (e.g. `endToEndIdFor(payout.id)`). */
  originalEndToEndId: string;
  /** What came back, in minor units of `currency`; may be less than sent (fees). */
  amountMinor: bigint;
  currency: string;
  /** ISO return reason, e.g. "AC04" (account closed), "MD07" (beneficiary deceased). */
  reasonCode: string;
  additionalInfo?: string;
  /** Booking date of the credit, "YYYY-MM-DD", when given. */
  bookingDate?: string;
}

/** The returns found in a parsed camt.054. */
export interface Camt054Report {
  messageId: string;
  returns: ReturnReport[];
}

const REPEATED = new Set(["Ntfctn", "Ntry", "NtryDtls", "TxDtls", "AddtlInf"]);
const DECIMAL = /^(0|[1-9][0-9]*)(\.[0-9]+)?$/;

function readAmount(amount: XmlNode): { amountMinor: bigint; currency: string } {
  const currency = amount.attribute("Ccy") ?? "";
  const exponent = currencyExponent(currency);
  if (exponent === undefined) throw amount.error(`unknown currency ${JSON.stringify(currency)}`);
  const text = amount.ownText();
  if (!DECIMAL.test(text)) throw amount.error(`not a plain decimal amount: "${text}"`);
  try {
    // Exact: the digits are moved by text manipulation, never through a float.
    return { amountMinor: numericToMinor(text, exponent), currency };
  } catch {
    throw amount.error(`amount "${text}" has more decimals than ${currency} allows`);
  }
}

// TxDtls/Amt is the returned transaction's own amount; older habits put it only in AmtDtls or,
// for an entry with a single transaction, on the entry.
function transactionAmount(entry: XmlNode, tx: XmlNode, single: boolean): XmlNode {
  const amount = tx.optionalChild("Amt") ??
    tx.optionalChild("AmtDtls")?.optionalChild("TxAmt")?.optionalChild("Amt");
  if (amount !== undefined) return amount;
  if (single) return entry.child("Amt");
  throw tx.error("missing <Amt> of a transaction in an entry with several");
}

function readReturn(entry: XmlNode, tx: XmlNode, single: boolean): ReturnReport {
  const info = tx.child("RtrInf");
  const reason = info.optionalChild("Rsn");
  const reasonCode = reason?.optionalText("Cd") ?? reason?.optionalText("Prtry");
  if (reasonCode === undefined) throw info.error("missing <Rsn><Cd>");
  const lines = info.children("AddtlInf").map((line) => line.ownText()).filter((l) => l !== "");
  const bookingDate = entry.optionalChild("BookgDt")?.optionalText("Dt");
  const result: ReturnReport = {
    originalEndToEndId: tx.child("Refs").text("EndToEndId"),
    ...readAmount(transactionAmount(entry, tx, single)),
    reasonCode,
  };
  if (lines.length > 0) result.additionalInfo = lines.join(" ");
  if (bookingDate !== undefined) result.bookingDate = bookingDate;
  return result;
}

/**
 * Parses a camt.054.001.08 and returns its returns: transactions with RtrInf in booked
 * (Sts/Cd BOOK), credit (CRDT), non-reversal entries, since only those are money back on our
 * account for good. Other entries (payments received, pending or reversed bookings) are not
 * returns and are left out.
 * @throws ReportParseError if the document is not well-formed, not a camt.054.001.08, or a
 *   return lacks its EndToEndId, reason or a readable amount.
 */
export function parseCamt054(xml: string): Camt054Report {
  const message = parseIsoMessage(xml, CAMT054_VERSION, "BkToCstmrDbtCdtNtfctn", REPEATED);
  const returns: ReturnReport[] = [];
  for (const notification of message.children("Ntfctn")) {
    for (const entry of notification.children("Ntry")) {
      const status = entry.child("Sts");
      const booked = (status.optionalText("Cd") ?? status.optionalText("Prtry")) === "BOOK";
      const reversal = entry.optionalText("RvslInd") === "true";
      const indicator = entry.text("CdtDbtInd");
      const txs = entry.children("NtryDtls").flatMap((details) => details.children("TxDtls"));
      for (const tx of txs) {
        const credit = (tx.optionalText("CdtDbtInd") ?? indicator) === "CRDT";
        if (booked && !reversal && credit && tx.optionalChild("RtrInf") !== undefined) {
          returns.push(readReturn(entry, tx, txs.length === 1));
        }
      }
    }
  }
  return { messageId: message.child("GrpHdr").text("MsgId"), returns };
}
