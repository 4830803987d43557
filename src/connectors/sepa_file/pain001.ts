/**
 * pain.001.001.09 SEPA credit-transfer files (EPC SCT customer-to-bank implementation).
 *
 * The `sepa` package generates the document (element order, service level, charge bearer,
 * agent "NOTPROVIDED" when there is no BIC). It does arithmetic in JS numbers, though: it sums
 * amounts with `+=` and prints them with `toFixed(2)`, and formats dates with the process's
 * local timezone. So every such value is then set from exact text we computed (amounts from
 * bigint cents, UTC time, the caller's calendar date), and the finished file is read back and
 * checked before it is returned.
 */

import { Document } from "sepa";
import { type PreparedFile, prepareFile, type SepaFileInput } from "./pain001_input.ts";
import {
  attributeOf,
  buildOrdered,
  childElements,
  onlyElement,
  parseOrdered,
  removeElements,
  rootElement,
  setText,
  textAt,
} from "./ordered_xml.ts";
import { SepaFileError } from "./sepa_errors.ts";

export type { SepaFileInput, SepaParty, SepaPaymentInput } from "./pain001_input.ts";

/** The message definition the files follow; the XSD is the EPC's restriction of it. */
export const PAIN001_VERSION = "pain.001.001.09";

function generate(file: PreparedFile): string {
  const doc = new Document(PAIN001_VERSION);
  doc.grpHdr.id = file.msgId;
  doc.grpHdr.created = new Date(file.createdAt);
  doc.grpHdr.initiatorName = file.debtor.name;

  const info = doc.createPaymentInfo();
  // The library prints this in local time; the text is set again below, this only has to be
  // a valid Date for its checks (as has `created`).
  info.requestedExecutionDate = new Date(`${file.requestedExecutionDate}T12:00:00`);
  info.debtorName = file.debtor.name;
  info.debtorIBAN = file.debtor.iban;
  info.debtorBIC = file.debtor.bic;
  doc.addPaymentInfo(info);
  info.id = file.paymentInfoId; // addPaymentInfo prefixed it with the MsgId

  for (const payment of file.payments) {
    const tx = info.createTransaction();
    tx.end2endId = payment.endToEndId;
    tx.creditorName = payment.name;
    tx.creditorIBAN = payment.iban;
    tx.creditorBIC = payment.bic;
    // The library validates a number; the text written is replaced by `payment.amount` below.
    tx.amount = Number(payment.amount);
    tx.remittanceInfo = payment.remittanceInfo ?? "";
    info.addTransaction(tx);
    tx.id = payment.endToEndId; // InstrId; addTransaction made it "<PmtInfId>.<index>"
  }

  try {
    return doc.toString();
  } catch (error) {
    // The library checks what we do not repeat, e.g. that a BIC's country matches its IBAN's.
    throw new SepaFileError(`the sepa library refused the file: ${(error as Error).message}`);
  }
}

function setExactValues(xml: string, file: PreparedFile): string {
  const tree = parseOrdered(xml);
  const initiation = onlyElement(rootElement(tree, "Document"), "CstmrCdtTrfInitn");

  const header = onlyElement(initiation, "GrpHdr");
  setText(header, ["CreDtTm"], file.createdAt);
  setText(header, ["NbOfTxs"], file.count);
  setText(header, ["CtrlSum"], file.controlSum);

  const info = onlyElement(initiation, "PmtInf");
  setText(info, ["NbOfTxs"], file.count);
  setText(info, ["CtrlSum"], file.controlSum);
  setText(info, ["ReqdExctnDt", "Dt"], file.requestedExecutionDate);

  const transactions = childElements(info, "CdtTrfTxInf");
  if (transactions.length !== file.payments.length) {
    throw new Error(`sepa wrote ${transactions.length} of ${file.payments.length} transactions`);
  }
  transactions.forEach((tx, i) => {
    const payment = file.payments[i];
    setText(tx, ["Amt", "InstdAmt"], payment.amount);
    if (payment.remittanceInfo === undefined) removeElements(tx, "RmtInf");
  });
  return buildOrdered(tree);
}

// Reads the finished file back: what the bank will parse is what we meant, to the cent.
function verify(xml: string, file: PreparedFile): void {
  const initiation = onlyElement(rootElement(parseOrdered(xml), "Document"), "CstmrCdtTrfInitn");
  const header = onlyElement(initiation, "GrpHdr");
  const info = onlyElement(initiation, "PmtInf");
  const txs = childElements(info, "CdtTrfTxInf");
  const problems: string[] = [];
  const expect = (what: string, actual: unknown, wanted: unknown) => {
    if (actual !== wanted) problems.push(`${what} is ${actual}, expected ${wanted}`);
  };
  expect("GrpHdr/CtrlSum", textAt(header, ["CtrlSum"]), file.controlSum);
  expect("PmtInf/CtrlSum", textAt(info, ["CtrlSum"]), file.controlSum);
  expect("GrpHdr/NbOfTxs", textAt(header, ["NbOfTxs"]), file.count);
  expect("PmtInf/NbOfTxs", textAt(info, ["NbOfTxs"]), file.count);
  expect("the number of CdtTrfTxInf", txs.length, file.payments.length);
  txs.forEach((tx, i) => {
    const payment = file.payments[i];
    expect(`EndToEndId #${i}`, textAt(tx, ["PmtId", "EndToEndId"]), payment?.endToEndId);
    expect(`InstdAmt #${i}`, textAt(tx, ["Amt", "InstdAmt"]), payment?.amount);
    expect(`Ccy #${i}`, attributeOf(onlyElement(tx, "Amt", "InstdAmt"), "Ccy"), "EUR");
  });
  if (problems.length > 0) {
    throw new Error(`generated pain.001 does not match its input: ${problems.join("; ")}`);
  }
}

/**
 * Writes a batch of EUR credit transfers as one pain.001.001.09 document (one PmtInf block)
 * that validates against the EPC SCT customer-to-bank schema. Amounts, NbOfTxs and both
 * CtrlSums are exact; names and remittance text are transliterated to the SEPA character set
 * and cut to their maximum lengths; CreDtTm is written in UTC.
 *
 * @throws SepaFileError if the batch cannot be written (no payments, an amount not positive or
 *   over 999 999 999.99, an id too long or with characters SEPA forbids, a name with no Latin
 *   characters, a bad IBAN/BIC, a duplicate EndToEndId).
 */
export function buildPain001(file: SepaFileInput): string {
  const prepared = prepareFile(file);
  const xml = setExactValues(generate(prepared), prepared);
  verify(xml, prepared);
  return xml;
}
