/**
 * A payment rail the worker pays through: the simulated connector, the SEPA file rail, and
 * whatever comes next. The routing rules pick the candidates for a payout (routing.ts); the
 * worker calls one at a time and moves on to the next only when one `refused`.
 */
import type { Payout, RecipientType } from "../payouts/payout.ts";
import { formatAmount } from "../payouts/payout_rules.ts";

export type { RecipientType } from "../payouts/payout.ts";

/** One payout to pay, as a connector sees it. */
export interface PaymentOrder {
  /** Also the idempotency key: a connector pays one payout id at most once. */
  payoutId: string;
  /** In minor units of `currency` (cents for EUR). */
  amountMinor: bigint;
  /** The same amount as the API writes it, with the currency's fraction digits. */
  amount: string;
  currency: string;
  recipientType: RecipientType;
  /**
   * The payout's `recipient_details` snapshot: `account`, and for `sepa` `account` = IBAN,
   * `name` and optionally `bic`.
   */
  recipient: Record<string, string>;
  /** The payout's description, e.g. for a SEPA transfer's remittance information. */
  description: string;
}

/** The payout as its connector is asked to pay it. */
export function paymentOrderOf(payout: Payout): PaymentOrder {
  return {
    payoutId: payout.id,
    amountMinor: payout.amountMinor,
    amount: formatAmount(payout.amountMinor, payout.currency),
    currency: payout.currency,
    recipientType: payout.recipientType,
    recipient: payout.recipientDetails,
    description: payout.description,
  };
}

/** What a connector answered. */
export type ConnectorResult =
  /** Paid now (`duplicate`: it had been paid before under this idempotency key). */
  | { outcome: "paid" | "duplicate" }
  /** Accepted; the final answer comes later (a bank's status report). */
  | { outcome: "submitted" }
  /** Definitely not paid and nothing was sent: the next connector of the route may try. */
  | { outcome: "refused"; reason: string }
  /** Try again later on the same connector with the same idempotency key. */
  | { outcome: "transient_error"; reason: string }
  /** Will never be paid as it stands: the payout fails. */
  | { outcome: "permanent_error"; reason: string };

export type ConnectorOutcome = ConnectorResult["outcome"];

/** The outcomes a connector can answer, for metrics that list every series up front. */
export const CONNECTOR_OUTCOMES: readonly ConnectorOutcome[] = [
  "paid",
  "duplicate",
  "submitted",
  "refused",
  "transient_error",
  "permanent_error",
];

/** What a connector can pay: checked by the routing rules at start and for every payout. */
export interface ConnectorCapabilities {
  name: string;
  /** ISO 4217 codes, or `*` for any. */
  currencies: readonly string[] | "*";
  recipientTypes: readonly RecipientType[];
  /** Whether `pay` answers `submitted` and the final answer comes later (a bank's report). */
  answersLater: boolean;
}

export interface Connector extends ConnectorCapabilities {
  pay(order: PaymentOrder): Promise<ConnectorResult>;
  /**
   * Whether this connector was ever handed this payout id and accepted it (paid it, or took
   * it for a later answer): a payout it was handed must never go elsewhere or be failed.
   */
  wasPaid(payoutId: string): Promise<boolean>;
}

/** Whether `connector` can pay in `currency` to a recipient of `recipientType`. */
export function canPay(
  connector: ConnectorCapabilities,
  currency: string,
  recipientType: RecipientType,
): boolean {
  return (connector.currencies === "*" || connector.currencies.includes(currency)) &&
    connector.recipientTypes.includes(recipientType);
}
