/**
 * ISO 20022 external status and return reason codes (ExternalStatusReason1Code,
 * ExternalReturnReason1Code) that SEPA banks commonly give, with their meaning, so that a
 * payout's `failure_reason` or `return_reason` says more than four letters. Codes not listed
 * are shown as the bank gave them.
 */
const MEANINGS: Readonly<Record<string, string>> = {
  AC01: "incorrect account number",
  AC04: "closed account",
  AC06: "blocked account",
  AC13: "invalid debtor account type",
  AG01: "transaction forbidden on this account",
  AG02: "invalid bank operation code",
  AM04: "insufficient funds",
  AM05: "duplicate payment",
  AM09: "wrong amount",
  BE01: "name does not match the account holder",
  BE04: "missing creditor address",
  CNOR: "creditor bank is not registered",
  CURR: "incorrect currency",
  CUST: "requested by the customer",
  DNOR: "debtor bank is not registered",
  DUPL: "duplicate payment",
  ED05: "settlement failed",
  FF01: "invalid file format",
  FOCR: "return following a cancellation request",
  MD07: "end customer deceased",
  MS02: "refused by the customer (reason not given)",
  MS03: "refused by the bank (reason not given)",
  NARR: "see the additional information",
  RC01: "incorrect bank identifier (BIC)",
  RR01: "missing debtor account or identification (regulatory)",
  RR02: "missing debtor name or address (regulatory)",
  RR03: "missing creditor name or address (regulatory)",
  RR04: "regulatory reason",
  SL01: "specific service offered by the debtor bank",
  TM01: "received after the cut-off time",
};

/**
 * A reason as a person reads it: `AC04 (closed account): <the bank's words>`; the code alone
 * when it is unknown and the bank added nothing.
 */
export function describeReason(code: string | undefined, additionalInfo?: string): string {
  const meaning = code === undefined ? undefined : MEANINGS[code];
  const head = code === undefined ? "no reason code" : meaning ? `${code} (${meaning})` : code;
  return additionalInfo ? `${head}: ${additionalInfo}` : head;
}
