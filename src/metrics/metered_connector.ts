/** A PaymentProvider decorator that times every call by outcome. */
import type { Histogram } from "prom-client";
import type { PaymentProvider, PaymentRequest, PaymentResult } from "../connectors/connector.ts";

export class MeteredProvider implements PaymentProvider {
  constructor(
    private readonly inner: PaymentProvider,
    /** Labelled by `outcome`: paid, duplicate, transient_error, permanent_error or error. */
    private readonly duration: Histogram<"outcome">,
  ) {}

  async pay(request: PaymentRequest): Promise<PaymentResult> {
    const started = performance.now();
    let outcome = "error";
    try {
      const result = await this.inner.pay(request);
      outcome = result.outcome;
      return result;
    } finally {
      this.duration.observe({ outcome }, (performance.now() - started) / 1000);
    }
  }

  wasPaid(payoutId: string): Promise<boolean> {
    return this.inner.wasPaid(payoutId);
  }
}
