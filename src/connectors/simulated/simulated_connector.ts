/**
 * A simulated payment provider with a card network's test conventions: accounts starting
 * with `FAIL` fail permanently, `FLAKY` fail once transiently and then succeed, `REFUSE` are
 * refused before anything is sent (the route's next connector may pay them), and a
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
import type { Connector, ConnectorResult, PaymentOrder } from "../connector.ts";
import { SIMULATED } from "../connector_catalog.ts";

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

export class SimulatedConnector implements Connector {
  readonly name = SIMULATED.name;
  readonly currencies = SIMULATED.currencies;
  readonly recipientTypes = SIMULATED.recipientTypes;
  readonly answersLater = SIMULATED.answersLater;
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

  async pay(order: PaymentOrder): Promise<ConnectorResult> {
    if (this.options.latencyMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, this.options.latencyMs));
    }
    const entry = (outcome: LedgerEntry["outcome"]): LedgerEntry => ({
      payoutId: order.payoutId,
      outcome,
      amount: order.amount,
      currency: order.currency,
    });
    const account = order.recipient.account ?? "";
    if (account.startsWith("REFUSE")) {
      await this.ledger.add(entry("refused"));
      return { outcome: "refused", reason: "recipient account refused by the simulated provider" };
    }
    if (account.startsWith("FAIL")) {
      await this.ledger.add(entry("permanent_error"));
      return { outcome: "permanent_error", reason: "recipient account rejected by the provider" };
    }
    const flakyFirstCall = account.startsWith("FLAKY") &&
      !(await hasTransientCall(this.sql, order.payoutId));
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
