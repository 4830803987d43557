/**
 * A simulated payment provider with a card network's test conventions: accounts starting
 * with `FAIL` fail permanently, `FLAKY` fail once transiently and then succeed, and a
 * configurable share of other calls fail transiently. Every call is recorded in
 * `provider_calls`; its partial unique index is the provider's idempotency. Concurrent calls
 * share their ledger writes: those that finish within `batchWindowMs` of each other go in as
 * one multi-row insert, in which the index alone still decides which payout is paid.
 */
import type { Db } from "../../db/types.ts";
import { Batcher, type BatchOutcome } from "../../runtime/batcher.ts";
import { isOutageError } from "../../runtime/outage_errors.ts";
import {
  hasPaidCall,
  hasTransientCall,
  type LedgerEntry,
  recordCalls,
} from "./provider_calls.repository.ts";
import type { PaymentProvider, PaymentRequest, PaymentResult } from "../connector.ts";

export interface SimulatedProviderOptions {
  latencyMs: number;
  failureRate: number;
  random?: () => number;
  /**
   * How long a finished call waits for others to share its ledger write (default 1 ms: the
   * calls of one batch of jobs end within it, and a lone call loses at most this).
   */
  batchWindowMs?: number;
  /** Told after every shared ledger write of two or more calls (metrics, tests). */
  onBatch?(size: number, outcome: BatchOutcome): void;
}

const LEDGER_WINDOW_MS = 1;

export class SimulatedProvider implements PaymentProvider {
  private readonly ledger: Batcher<LedgerEntry, LedgerEntry["outcome"]>;

  constructor(private readonly sql: Db, private readonly options: SimulatedProviderOptions) {
    this.ledger = new Batcher({
      key: (entry) => entry.payoutId,
      many: (entries) => recordCalls(sql, entries),
      // A failed insert rolled back entirely, so writing its rows one by one pays no one
      // twice; the unique index still has the last word on every `paid` row.
      one: async (entry) => (await recordCalls(sql, [entry]))[0],
      fallBack: (error) => !isOutageError(error),
      windowMs: options.batchWindowMs ?? LEDGER_WINDOW_MS,
      onBatch: options.onBatch,
    });
  }

  async pay(request: PaymentRequest): Promise<PaymentResult> {
    if (this.options.latencyMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, this.options.latencyMs));
    }
    const entry = (outcome: LedgerEntry["outcome"]): LedgerEntry => ({
      payoutId: request.payoutId,
      outcome,
      amount: request.amount,
      currency: request.currency,
    });
    if (request.account.startsWith("FAIL")) {
      await this.ledger.add(entry("permanent_error"));
      return { outcome: "permanent_error", reason: "recipient account rejected by the provider" };
    }
    const flakyFirstCall = request.account.startsWith("FLAKY") &&
      !(await hasTransientCall(this.sql, request.payoutId));
    const random = this.options.random ?? Math.random;
    if (flakyFirstCall || (this.options.failureRate > 0 && random() < this.options.failureRate)) {
      await this.ledger.add(entry("transient_error"));
      return { outcome: "transient_error", reason: "provider temporarily unavailable" };
    }
    // Asked to pay; the ledger answers `duplicate` if this payout id was paid before.
    const outcome = await this.ledger.add(entry("paid"));
    return { outcome: outcome === "paid" ? "paid" : "duplicate" };
  }

  wasPaid(payoutId: string): Promise<boolean> {
    return hasPaidCall(this.sql, payoutId);
  }
}
