/**
 * What the test bank answers, decided without I/O: the pain.002 status report for a received
 * file (each transfer accepted, or rejected when its IBAN matches the reject pattern), the
 * group-level rejection of a file it cannot read, and the camt.054 notifying returns.
 *
 * @module
 */
import { buildCamt054 } from "../../src/connectors/sepa_file/camt054_builder.ts";
import { buildPain002 } from "../../src/connectors/sepa_file/pain002_builder.ts";
import type { StatusCode } from "../../src/connectors/sepa_file/pain002.ts";
import { currencyExponent } from "../../src/payouts/currencies.ts";
import { numericToMinor } from "../../src/payouts/money.ts";
import type { ReceivedPain001, ReceivedPayment } from "./pain001_reader.ts";

/** How the bank treats transfers, by the creditor's IBAN. */
export interface BankRules {
  /** Transfers to matching IBANs are rejected: RJCT AC01. */
  rejectIban?: RegExp;
  /** Accepted transfers to matching IBANs come back later: a camt.054 return, AC04. */
  returnIban?: RegExp;
}

export const REJECT_REASON = { code: "AC01", text: "incorrect account number" } as const;
export const RETURN_REASON = { code: "AC04", text: "account closed" } as const;
export const UNREADABLE_REASON_TEXT: Record<string, string> = {
  FF01: "invalid file format",
  AM10: "control sum does not match the amounts",
  AM18: "number of transactions does not match",
};

/** The bank's answer to a file it could read. */
export interface StatusAnswer {
  xml: string;
  accepted: ReceivedPayment[];
  rejected: ReceivedPayment[];
  /** Accepted transfers that are to come back. */
  toReturn: ReceivedPayment[];
}

/** A fresh message id for a report the bank writes: 32 hex characters (Max35Text). */
export function newMessageId(): string {
  return crypto.randomUUID().replaceAll("-", "");
}

const matches = (pattern: RegExp | undefined, iban: string) => {
  if (pattern === undefined) return false;
  pattern.lastIndex = 0; // a /g or /y pattern remembers where it stopped
  return pattern.test(iban);
};

/** The pain.002.001.10 answering `file`: ACSC per transfer, RJCT AC01 where `rules` say. */
export function statusReport(file: ReceivedPain001, rules: BankRules, now: Date): StatusAnswer {
  const rejected = file.payments.filter((payment) => matches(rules.rejectIban, payment.iban));
  const accepted = file.payments.filter((payment) => !rejected.includes(payment));
  const overall: StatusCode = rejected.length === 0
    ? "ACSC"
    : accepted.length === 0
    ? "RJCT"
    : "PART";
  const xml = buildPain002({
    messageId: newMessageId(),
    createdAt: now,
    originalMessageId: file.msgId,
    groupStatus: overall,
    paymentInfos: [{
      originalPaymentInfoId: file.pmtInfId,
      status: overall,
      transactions: file.payments.map((payment) =>
        rejected.includes(payment)
          ? {
            originalEndToEndId: payment.endToEndId,
            status: "RJCT",
            reasonCode: REJECT_REASON.code,
            additionalInfo: REJECT_REASON.text,
          }
          : { originalEndToEndId: payment.endToEndId, status: "ACSC" }
      ),
    }],
  });
  const toReturn = accepted.filter((payment) => matches(rules.returnIban, payment.iban));
  return { xml, accepted, rejected, toReturn };
}

/**
 * The pain.002.001.10 rejecting file `msgId` as a whole (GrpSts RJCT), with `reasonCode`
 * and the bank's one line on what was wrong.
 */
export function fileRejection(
  msgId: string,
  reasonCode: string,
  problem: string,
  now: Date,
): string {
  const line = `${UNREADABLE_REASON_TEXT[reasonCode] ?? "rejected"}: ${problem}`;
  return buildPain002({
    messageId: newMessageId(),
    createdAt: now,
    originalMessageId: msgId,
    groupStatus: "RJCT",
    reasonCode,
    additionalInfo: line.length > 105 ? `${line.slice(0, 102)}...` : line,
  });
}

/** Transfers of one file that come back, as remembered until their return is due. */
export interface DueReturn {
  msgId: string;
  pmtInfId: string;
  debtorIban: string;
  payments: { endToEndId: string; amount: string; currency: string }[];
}

/** The camt.054.001.08 crediting the debtor with each transfer of `due` returned (AC04). */
export function returnNotification(due: DueReturn, now: Date): string {
  return buildCamt054({
    messageId: newMessageId(),
    createdAt: now,
    accountIban: due.debtorIban,
    bookingDate: now.toISOString().slice(0, 10),
    returns: due.payments.map((payment) => ({
      originalEndToEndId: payment.endToEndId,
      amountMinor: numericToMinor(payment.amount, currencyExponent(payment.currency) ?? 2),
      currency: payment.currency,
      reasonCode: RETURN_REASON.code,
      additionalInfo: RETURN_REASON.text,
      originalMessageId: due.msgId,
      originalPaymentInfoId: due.pmtInfId,
    })),
  });
}
