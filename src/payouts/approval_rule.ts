/**
 * When a payout needs a second person's approval: the client asked for it, or its amount is
 * at or above the threshold configured for its currency (`APPROVAL_THRESHOLDS`).
 */
import { currencyExponent } from "./currencies.ts";
import { parseAmount } from "./money.ts";

/** Thresholds in minor units by upper-case currency code. */
export type ApprovalThresholds = ReadonlyMap<string, bigint>;

export const NO_THRESHOLDS: ApprovalThresholds = new Map();

/**
 * Parses `USD=10000,EUR=10000` (amounts in major units, as the API writes them). Throws an
 * Error saying what is wrong; "" means no thresholds.
 */
export function parseThresholds(text: string): ApprovalThresholds {
  const thresholds = new Map<string, bigint>();
  if (text.trim() === "") return thresholds;
  for (const part of text.split(",")) {
    const match = /^\s*([A-Za-z]{3})\s*=\s*(\S+)\s*$/.exec(part);
    if (!match) throw new Error(`"${part.trim()}" is not CURRENCY=AMOUNT`);
    const currency = match[1].toUpperCase();
    const exponent = currencyExponent(currency);
    if (exponent === undefined) throw new Error(`${currency} is not a supported currency`);
    const amount = parseAmount(match[2], exponent);
    if (!amount.ok) throw new Error(`${currency} threshold ${match[2]}: ${amount.message}`);
    if (thresholds.has(currency)) throw new Error(`${currency} is given twice`);
    thresholds.set(currency, amount.minor);
  }
  return thresholds;
}

export interface ApprovalFacts {
  amountMinor: bigint;
  currency: string;
  requiresApproval: boolean;
}

/** Whether a payout with these facts needs approval before it may be processed. */
export function needsApproval(payout: ApprovalFacts, thresholds: ApprovalThresholds): boolean {
  if (payout.requiresApproval) return true;
  const threshold = thresholds.get(payout.currency);
  return threshold !== undefined && payout.amountMinor >= threshold;
}
