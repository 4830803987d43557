/** A Connector decorator that times every call by outcome and counts outcomes by connector. */
import type { Counter, Histogram } from "prom-client";
import type { Connector, ConnectorResult, PaymentOrder } from "../connectors/connector.ts";

export class MeteredConnector implements Connector {
  readonly name: string;
  readonly currencies: Connector["currencies"];
  readonly recipientTypes: Connector["recipientTypes"];
  readonly answersLater: boolean;

  constructor(
    private readonly inner: Connector,
    /** Labelled by `outcome`: a ConnectorResult outcome, or `error` when the call threw. */
    private readonly duration: Histogram<"outcome">,
    /** Labelled by `connector` and `outcome`, as above. */
    private readonly outcomes: Counter<"connector" | "outcome">,
  ) {
    this.name = inner.name;
    this.currencies = inner.currencies;
    this.recipientTypes = inner.recipientTypes;
    this.answersLater = inner.answersLater;
  }

  async pay(order: PaymentOrder): Promise<ConnectorResult> {
    const started = performance.now();
    let outcome = "error";
    try {
      const result = await this.inner.pay(order);
      outcome = result.outcome;
      return result;
    } finally {
      this.duration.observe({ outcome }, (performance.now() - started) / 1000);
      this.outcomes.inc({ connector: this.name, outcome });
    }
  }

  wasPaid(payoutId: string): Promise<boolean> {
    return this.inner.wasPaid(payoutId);
  }
}
