/**
 * ISO 20022 payment status codes (external code sets ExternalPaymentGroupStatus1Code and
 * ExternalPaymentTransactionStatus1Code), as pain.002 reports them. A code outside this list
 * is refused rather than guessed at: acting on a status we do not understand could pay twice
 * or not at all.
 */

/** Every status a pain.002 may give a file, a payment block or a transaction. */
export const STATUS_CODES = [
  "ACCC", // accepted, settlement completed (creditor account credited)
  "ACCP", // accepted after customer profile check
  "ACFC", // accepted, funds checked
  "ACIS", // accepted and settled in the instant scheme
  "ACPD", // accepted, clearing processed
  "ACSC", // accepted, settlement completed (debtor account debited)
  "ACSP", // accepted, settlement in process
  "ACTC", // accepted after technical validation
  "ACWC", // accepted with change (e.g. execution date moved)
  "ACWP", // accepted without posting
  "BLCK", // blocked
  "CANC", // cancelled
  "CPUC", // cash pick-up completed
  "PART", // partially accepted: some transactions differ (file and block level only)
  "PATC", // partially accepted, technically correct
  "PDNG", // pending
  "PRES", // presented
  "RCVC", // received by the creditor's agent
  "RCVD", // received
  "RJCT", // rejected
] as const;

/** A pain.002 status code. */
export type StatusCode = typeof STATUS_CODES[number];

const CODES: ReadonlySet<string> = new Set(STATUS_CODES);

/** Whether `code` is a status code this service knows. */
export function isStatusCode(code: string): code is StatusCode {
  return CODES.has(code);
}
