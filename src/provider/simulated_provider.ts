/**
 * A simulated payment provider with a card network's test conventions: accounts starting
 * with `FAIL` fail permanently, `FLAKY` fail once transiently and then succeed, and a
 * configurable share of other calls fail transiently. Every call is recorded in
 * `provider_calls`; its partial unique index is the provider's idempotency.
 */
import type { Db } from "../db/types.ts";
import type { PaymentProvider, PaymentRequest, PaymentResult } from "./provider.ts";

export interface SimulatedProviderOptions {
  latencyMs: number;
  failureRate: number;
  random?: () => number;
}

type Outcome = "paid" | "duplicate" | "transient_error" | "permanent_error";

export class SimulatedProvider implements PaymentProvider {
  constructor(private readonly sql: Db, private readonly options: SimulatedProviderOptions) {}

  async pay(request: PaymentRequest): Promise<PaymentResult> {
    if (this.options.latencyMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, this.options.latencyMs));
    }
    if (request.account.startsWith("FAIL")) {
      await this.record(request, "permanent_error");
      return { outcome: "permanent_error", reason: "recipient account rejected by the provider" };
    }
    const flakyFirstCall = request.account.startsWith("FLAKY") &&
      !(await this.hasTransientError(request.payoutId));
    const random = this.options.random ?? Math.random;
    if (flakyFirstCall || (this.options.failureRate > 0 && random() < this.options.failureRate)) {
      await this.record(request, "transient_error");
      return { outcome: "transient_error", reason: "provider temporarily unavailable" };
    }
    return { outcome: await this.recordPayment(request) };
  }

  async wasPaid(payoutId: string): Promise<boolean> {
    const rows = await this.sql`
      select 1 from provider_calls where payout_id = ${payoutId} and outcome = 'paid'
    `;
    return rows.length > 0;
  }

  /** Pays unless this payout id was paid before, in which case the call is a duplicate. */
  private async recordPayment(request: PaymentRequest): Promise<"paid" | "duplicate"> {
    const [row] = await this.sql<{ outcome: "paid" | "duplicate" }[]>`
      with paid as (
        insert into provider_calls (payout_id, outcome, amount, currency)
        values (${request.payoutId}, 'paid', ${request.amount}, ${request.currency})
        on conflict (payout_id) where outcome = 'paid' do nothing
        returning outcome
      )
      select outcome from paid
    `;
    if (row) return "paid";
    await this.record(request, "duplicate");
    return "duplicate";
  }

  private async hasTransientError(payoutId: string): Promise<boolean> {
    const rows = await this.sql`
      select 1 from provider_calls
      where payout_id = ${payoutId} and outcome = 'transient_error' limit 1
    `;
    return rows.length > 0;
  }

  private async record(request: PaymentRequest, outcome: Outcome): Promise<void> {
    await this.sql`
      insert into provider_calls (payout_id, outcome, amount, currency)
      values (${request.payoutId}, ${outcome}, ${request.amount}, ${request.currency})
    `;
  }
}
