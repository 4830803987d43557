/** The payment provider the worker pays through. */

export interface PaymentRequest {
  /** Also the idempotency key: the provider pays one payout id at most once. */
  payoutId: string;
  amount: string;
  currency: string;
  account: string;
}

export type PaymentResult =
  | { outcome: "paid" | "duplicate" }
  | { outcome: "transient_error" | "permanent_error"; reason: string };

export interface PaymentProvider {
  pay(request: PaymentRequest): Promise<PaymentResult>;
  /** Whether the provider has paid this payout id, for deciding a job's fate safely. */
  wasPaid(payoutId: string): Promise<boolean>;
}
