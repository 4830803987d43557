/**
 * The test bank reading a pain.001.001.09 it received, as a bank would: the ids it answers
 * with, and per credit transfer the EndToEndId, the exact amount (text, never a number), the
 * currency and the creditor. It reads one payment information block, as the service writes.
 *
 * @module
 */
import { parseIsoMessage } from "../../src/connectors/sepa_file/iso_message.ts";
import { ReportParseError } from "../../src/connectors/sepa_file/sepa_errors.ts";
import type { XmlNode } from "../../src/connectors/sepa_file/xml_node.ts";
import { numericToMinor } from "../../src/payouts/money.ts";
import { currencyExponent } from "../../src/payouts/currencies.ts";

/** The message definition read here. */
export const PAIN001_VERSION = "pain.001.001.09";

/** One credit transfer of a received file. */
export interface ReceivedPayment {
  endToEndId: string;
  /** InstdAmt exactly as written, e.g. "125.50". */
  amount: string;
  currency: string;
  /** The creditor's IBAN. */
  iban: string;
  /** The creditor's name. */
  name: string;
}

/** A received pain.001. */
export interface ReceivedPain001 {
  msgId: string;
  pmtInfId: string;
  /** The debtor's (the service's) account: where a return is credited. */
  debtorIban: string;
  payments: ReceivedPayment[];
}

/**
 * A file the bank cannot read as a pain.001.001.09. `reasonCode` is the ISO status reason a
 * bank rejects it with: FF01 (invalid file format), AM18 (NbOfTxs does not match the
 * transactions) or AM10 (CtrlSum does not match the amounts).
 */
export class Pain001ReadError extends Error {
  override name = "Pain001ReadError";
  readonly code = "pain001_unreadable";

  constructor(
    message: string,
    readonly reasonCode: "FF01" | "AM10" | "AM18" = "FF01",
    /** The file's GrpHdr/MsgId, when it could be found. */
    readonly msgId?: string,
  ) {
    super(message);
  }
}

const REPEATED = new Set(["PmtInf", "CdtTrfTxInf"]);
const DECIMAL = /^(0|[1-9][0-9]{0,17})(\.[0-9]{1,5})?$/;
// GrpHdr/MsgId is the first MsgId of a pain.001; Max35Text, whatever namespace prefix.
const MSG_ID = /<(?:[A-Za-z_][\w.-]*:)?MsgId>\s*([^<>\s]{1,35})\s*<\/(?:[A-Za-z_][\w.-]*:)?MsgId>/;

/**
 * The MsgId of a file that may not be readable XML, found by its element's text alone, or
 * undefined. Lets the bank reject a broken file by name rather than ignore it.
 */
export function findMsgId(text: string): string | undefined {
  return MSG_ID.exec(text)?.[1];
}

function readPayment(tx: XmlNode): ReceivedPayment {
  const amount = tx.child("Amt").child("InstdAmt");
  const text = amount.ownText();
  if (!DECIMAL.test(text)) throw tx.error(`InstdAmt is not a plain decimal: "${text}"`);
  const currency = amount.attribute("Ccy") ?? "";
  if (!/^[A-Z]{3}$/.test(currency)) throw tx.error(`InstdAmt has no currency code`);
  return {
    endToEndId: tx.child("PmtId").text("EndToEndId"),
    amount: text,
    currency,
    iban: tx.child("CdtrAcct").child("Id").text("IBAN"),
    name: tx.child("Cdtr").text("Nm"),
  };
}

function minorOf(payment: ReceivedPayment): bigint {
  const exponent = currencyExponent(payment.currency);
  if (exponent === undefined) {
    throw new Pain001ReadError(`unknown currency ${payment.currency} of ${payment.endToEndId}`);
  }
  try {
    return numericToMinor(payment.amount, exponent);
  } catch {
    throw new Pain001ReadError(
      `${payment.amount} ${payment.currency} of ${payment.endToEndId} has too many decimals`,
    );
  }
}

// What a bank checks before it accepts any transfer of a file: the counts and sums it
// declares are those of its transactions.
function checkTotals(header: XmlNode, info: XmlNode, payments: ReceivedPayment[]): void {
  const count = String(payments.length);
  for (const [where, node] of [["GrpHdr", header], ["PmtInf", info]] as const) {
    const declared = node.optionalText("NbOfTxs");
    if (declared !== undefined && declared !== count) {
      throw new Pain001ReadError(
        `${where}/NbOfTxs is ${declared} but the file holds ${count} transactions`,
        "AM18",
      );
    }
  }
  const currencies = new Set(payments.map((payment) => payment.currency));
  // A control sum adds amounts of one currency; SEPA files have only EUR.
  if (currencies.size !== 1) return;
  const exponent = currencyExponent(payments[0].currency)!;
  const total = payments.reduce((sum, payment) => sum + minorOf(payment), 0n);
  for (const [where, node] of [["GrpHdr", header], ["PmtInf", info]] as const) {
    const declared = node.optionalText("CtrlSum");
    if (declared === undefined) continue;
    let declaredMinor: bigint | undefined;
    try {
      declaredMinor = DECIMAL.test(declared) ? numericToMinor(declared, exponent) : undefined;
    } catch {
      declaredMinor = undefined;
    }
    if (declaredMinor !== total) {
      throw new Pain001ReadError(
        `${where}/CtrlSum is ${declared} but the amounts add up to another sum`,
        "AM10",
      );
    }
  }
}

/**
 * Reads a pain.001.001.09 with one payment information block.
 * @throws Pain001ReadError if it is not well-formed XML, not a pain.001.001.09, lacks an
 *   element the bank needs, has other than one PmtInf block, or its NbOfTxs or CtrlSum
 *   disagree with its transactions; `msgId` is set when the MsgId could be found.
 */
export function readPain001(xml: string): ReceivedPain001 {
  let msgId: string | undefined;
  try {
    const message = parseIsoMessage(xml, PAIN001_VERSION, "CstmrCdtTrfInitn", REPEATED);
    const header = message.child("GrpHdr");
    const id = header.text("MsgId");
    if (id.length > 35) throw header.error("MsgId is longer than 35 characters");
    msgId = id;
    const blocks = message.children("PmtInf");
    if (blocks.length !== 1) {
      throw new Pain001ReadError(
        `this test bank reads files with one PmtInf block; this one has ${blocks.length}`,
      );
    }
    const info = blocks[0];
    const payments = info.children("CdtTrfTxInf").map(readPayment);
    if (payments.length === 0) throw info.error("no <CdtTrfTxInf>");
    checkTotals(header, info, payments);
    return {
      msgId,
      pmtInfId: info.text("PmtInfId"),
      debtorIban: info.child("DbtrAcct").child("Id").text("IBAN"),
      payments,
    };
  } catch (error) {
    const found = msgId ?? (typeof xml === "string" ? findMsgId(xml) : undefined);
    if (error instanceof Pain001ReadError) {
      throw new Pain001ReadError(error.message, error.reasonCode, found);
    }
    if (error instanceof ReportParseError) {
      // The shared reader speaks of reports; here it is a payment file.
      throw new Pain001ReadError(
        error.message.replace(/^the report is/, "the file is"),
        "FF01",
        found,
      );
    }
    throw error;
  }
}
