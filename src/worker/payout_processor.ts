/**
 * The processing use case: carries one payout through pending → processing → completed or
 * failed. Paid at most once: each claim is a conditional update, and the provider call
 * carries the payout id as its idempotency key.
 */
import type { Db } from "../db/types.ts";
import { formatAmount } from "../payouts/payout_rules.ts";
import {
  claimPayout,
  failAbandonedPayout,
  finishPayout,
  recordFailedAttempt,
  releaseLeases,
} from "../payouts/processing.repository.ts";
import type { PaymentProvider } from "../provider/provider.ts";
import { backoffMs, sleep } from "./backoff.ts";

export interface ProcessorOptions {
  workerId: string;
  /** How long a claim protects the payout from other workers; renewed for each attempt. */
  leaseMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

export type JobOutcome =
  | { result: "completed"; attempts: number }
  | { result: "failed"; reason: string; attempts: number }
  /** Finished, canceled, unknown, or held by another worker: nothing to do. */
  | { result: "skipped" }
  /** Another worker took over after our lease ran out; it finishes the payout. */
  | { result: "lease_lost" }
  /** Shutdown came during a backoff; the job stays pending for another worker. */
  | { result: "abandoned" };

export interface JobHooks {
  /** Aborted on shutdown: backoffs stop early. */
  stopping: AbortSignal;
  /** Called before sleeping through a backoff (e.g. to free a concurrency slot). */
  beforeBackoff(): void;
  /** Called after the backoff (e.g. to take a slot back and keep the stream entry alive). */
  afterBackoff(): Promise<void>;
}

export class PayoutProcessor {
  constructor(
    private readonly sql: Db,
    private readonly provider: PaymentProvider,
    private readonly options: ProcessorOptions,
  ) {}

  async process(payoutId: string, hooks: JobHooks): Promise<JobOutcome> {
    const { workerId, leaseMs, maxAttempts } = this.options;
    while (true) {
      const claim = await claimPayout(this.sql, payoutId, workerId, leaseMs);
      if (!claim) return { result: "skipped" };
      const { payout } = claim;
      const result = await this.provider.pay({
        payoutId: payout.id,
        amount: formatAmount(payout.amountMinor, payout.currency),
        currency: payout.currency,
        account: payout.recipientDetails.account,
      });
      const attempts = payout.attempts;
      if (result.outcome === "paid" || result.outcome === "duplicate") {
        const done = await finishPayout(this.sql, payout.id, workerId, {
          status: "completed",
          detail: { provider_outcome: result.outcome },
        });
        return done ? { result: "completed", attempts } : { result: "lease_lost" };
      }
      const { outcome, reason: providerReason } = result as Extract<
        typeof result,
        { reason: string }
      >;
      if (outcome === "permanent_error" || attempts >= maxAttempts) {
        const reason = outcome === "permanent_error"
          ? providerReason
          : `${providerReason} (gave up after ${attempts} attempts)`;
        const done = await finishPayout(this.sql, payout.id, workerId, {
          status: "failed",
          reason,
          detail: { provider_outcome: outcome },
        });
        return done ? { result: "failed", reason, attempts } : { result: "lease_lost" };
      }
      const wait = backoffMs(attempts, this.options.retryBaseMs, this.options.retryMaxMs);
      const held = await recordFailedAttempt(this.sql, payout.id, workerId, {
        attempt: attempts,
        reason: providerReason,
        retry_in_ms: wait,
      }, wait + leaseMs);
      if (!held) return { result: "lease_lost" };
      hooks.beforeBackoff();
      const slept = await sleep(wait, hooks.stopping);
      await hooks.afterBackoff();
      if (!slept) {
        // Let another worker take it over at once instead of after the lease runs out.
        await releaseLeases(this.sql, [payout.id], workerId);
        return { result: "abandoned" };
      }
    }
  }

  /**
   * Gives up on a payout whose job could not be processed (delivered too often, or
   * malformed). It is failed only if the provider never paid it; if it was paid, it is
   * completed instead. Returns what became of it.
   */
  async giveUp(payoutId: string, reason: string): Promise<"failed" | "completed" | "unchanged"> {
    const actor = this.options.workerId;
    if (await this.provider.wasPaid(payoutId)) {
      const claim = await claimPayout(this.sql, payoutId, actor, this.options.leaseMs);
      if (!claim) return "unchanged";
      const done = await finishPayout(this.sql, payoutId, actor, {
        status: "completed",
        detail: { provider_outcome: "duplicate" },
      });
      return done ? "completed" : "unchanged";
    }
    return await failAbandonedPayout(this.sql, payoutId, actor, reason) ? "failed" : "unchanged";
  }
}
