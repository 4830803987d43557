/**
 * What a pain.001 file is made from, and the checks that make it writable: the caller's
 * batch is validated and normalized here (text transliterated, amounts formatted exactly) so
 * that the generator only ever sees values it can write unchanged.
 */

import { validateIBAN } from "sepa";
import { formatMinor } from "../../payouts/money.ts";
import { SepaFileError } from "./sepa_errors.ts";
import { isSepaId, NAME_MAX_LENGTH, REMITTANCE_MAX_LENGTH, toSepaText } from "./sepa_text.ts";

/** An account holder: the debtor (us) or a creditor (a payout's recipient). */
export interface SepaParty {
  name: string;
  /** Electronic format: upper case, no spaces ("DE89370400440532013000"). */
  iban: string;
  /** 8 or 11 characters; optional in SEPA (IBAN-only). */
  bic?: string;
}

/** One credit transfer of a file. */
export interface SepaPaymentInput extends SepaParty {
  /** Traceable reference, e.g. `endToEndIdFor(payout.id)`; comes back in pain.002 and camt.054. */
  endToEndId: string;
  /** Euro cents; 1 to 99 999 999 999 (EUR 999 999 999.99, the EPC maximum). */
  amountMinor: bigint;
  /** Shown to the recipient; transliterated to the SEPA set and cut to 140 characters. */
  remittanceInfo?: string;
}

/** A batch of EUR credit transfers from one debtor account, executed on one date. */
export interface SepaFileInput {
  /** GrpHdr/MsgId, e.g. `msgIdFor(file.id)`; must be unique per debtor for ever. */
  msgId: string;
  /** PmtInf/PmtInfId; defaults to `msgId` (a file has one payment information block). */
  paymentInfoId?: string;
  createdAt: Date;
  debtor: SepaParty;
  /** Calendar date "YYYY-MM-DD" on which the bank is to execute the transfers. */
  requestedExecutionDate: string;
  payments: readonly SepaPaymentInput[];
}

/** A payment as it will be written: checked, text transliterated, amount as exact decimal. */
export interface PreparedPayment {
  endToEndId: string;
  amountMinor: bigint;
  /** `amountMinor` as a decimal string with two fraction digits ("0.10"). */
  amount: string;
  name: string;
  iban: string;
  bic: string;
  remittanceInfo?: string;
}

/** A file as it will be written. */
export interface PreparedFile {
  msgId: string;
  paymentInfoId: string;
  /** CreDtTm in UTC, "YYYY-MM-DDThh:mm:ssZ". */
  createdAt: string;
  requestedExecutionDate: string;
  debtor: { name: string; iban: string; bic: string };
  payments: PreparedPayment[];
  /** NbOfTxs. */
  count: string;
  /** CtrlSum: the exact sum of the amounts, two fraction digits. */
  controlSum: string;
}

/** EUR 999 999 999.99, the largest amount the EPC schema allows in one transfer. */
export const MAX_AMOUNT_MINOR = 99_999_999_999n;
// CtrlSum is a decimal of at most 18 digits.
const MAX_CONTROL_SUM_MINOR = 10n ** 18n - 1n;
const EUR_EXPONENT = 2;

const IBAN = /^[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}$/;
const BIC = /^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function fail(message: string): never {
  throw new SepaFileError(message);
}

function checkId(id: unknown, what: string): string {
  if (typeof id !== "string" || !isSepaId(id)) {
    fail(
      `${what} must be 1 to 35 characters of A-Z a-z 0-9 / - ? : ( ) . , ' + ` +
        `(no spaces, no leading or trailing "/", no "//"), got ${JSON.stringify(id)}`,
    );
  }
  return id;
}

function checkAccount(party: SepaParty, what: string): { iban: string; bic: string } {
  if (typeof party.iban !== "string" || !IBAN.test(party.iban) || !validateIBAN(party.iban)) {
    fail(`${what} IBAN is not a valid IBAN in electronic format: ${JSON.stringify(party.iban)}`);
  }
  const bic = party.bic ?? "";
  if (bic !== "" && !BIC.test(bic)) fail(`${what} BIC is not a BIC: ${JSON.stringify(bic)}`);
  return { iban: party.iban, bic };
}

function checkName(name: unknown, what: string): string {
  const text = typeof name === "string" ? toSepaText(name, NAME_MAX_LENGTH) : "";
  if (text === "") {
    fail(
      `${what} name has no characters SEPA can carry (Latin letters, digits): ` +
        JSON.stringify(name),
    );
  }
  return text;
}

function checkDate(date: unknown): string {
  const match = typeof date === "string" ? DATE.exec(date) : null;
  const [, y, m, d] = match ?? [];
  const utc = match ? new Date(Date.UTC(Number(y), Number(m) - 1, Number(d))) : undefined;
  if (utc === undefined || utc.toISOString().slice(0, 10) !== date) {
    fail(
      `requestedExecutionDate must be a calendar date "YYYY-MM-DD", got ${JSON.stringify(date)}`,
    );
  }
  return date as string;
}

function checkAmount(amount: unknown, endToEndId: string): bigint {
  if (typeof amount !== "bigint") {
    fail(`payment ${endToEndId}: amountMinor must be a bigint (cents), got ${typeof amount}`);
  }
  if (amount <= 0n) fail(`payment ${endToEndId}: amount must be positive, got ${amount} cents`);
  if (amount > MAX_AMOUNT_MINOR) {
    fail(`payment ${endToEndId}: amount ${amount} cents is over the SEPA maximum 999999999.99`);
  }
  return amount;
}

function preparePayment(payment: SepaPaymentInput, index: number): PreparedPayment {
  const endToEndId = checkId(payment.endToEndId, `payments[${index}].endToEndId`);
  const amountMinor = checkAmount(payment.amountMinor, endToEndId);
  const remittance = toSepaText(payment.remittanceInfo ?? "", REMITTANCE_MAX_LENGTH);
  return {
    endToEndId,
    amountMinor,
    amount: formatMinor(amountMinor, EUR_EXPONENT),
    name: checkName(payment.name, `payment ${endToEndId}: creditor`),
    ...checkAccount(payment, `payment ${endToEndId}: creditor`),
    // An empty Ustrd is invalid (Max140Text has minLength 1): no text, no element.
    remittanceInfo: remittance === "" ? undefined : remittance,
  };
}

/**
 * Checks a batch and turns it into the exact values its file will hold.
 * @throws SepaFileError naming the first offending field.
 */
export function prepareFile(file: SepaFileInput): PreparedFile {
  const msgId = checkId(file.msgId, "msgId");
  const paymentInfoId = checkId(file.paymentInfoId ?? msgId, "paymentInfoId");
  if (!(file.createdAt instanceof Date) || Number.isNaN(file.createdAt.getTime())) {
    fail("createdAt must be a valid Date");
  }
  if (!Array.isArray(file.payments) || file.payments.length === 0) {
    fail("a SEPA file needs at least one payment");
  }
  const payments = file.payments.map(preparePayment);
  const seen = new Set<string>();
  let total = 0n;
  for (const payment of payments) {
    // A repeated EndToEndId would make the bank's per-transaction answers ambiguous.
    if (seen.has(payment.endToEndId)) fail(`duplicate endToEndId ${payment.endToEndId}`);
    seen.add(payment.endToEndId);
    total += payment.amountMinor;
  }
  if (total > MAX_CONTROL_SUM_MINOR) fail("the payments' total exceeds CtrlSum's 18 digits");
  return {
    msgId,
    paymentInfoId,
    createdAt: file.createdAt.toISOString().slice(0, 19) + "Z",
    requestedExecutionDate: checkDate(file.requestedExecutionDate),
    debtor: { name: checkName(file.debtor.name, "debtor"), ...checkAccount(file.debtor, "debtor") },
    payments,
    count: String(payments.length),
    controlSum: formatMinor(total, EUR_EXPONENT),
  };
}
