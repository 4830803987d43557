/**
 * The processing use case: carries one payout through pending → processing → completed or
 * failed. Paid at most once: each claim is a conditional update, and the provider call
 * carries the payout id as its idempotency key. Jobs that claim or finish at the same time
 * (the jobs of one stream read) share one statement for it; each keeps its own outcome.
 */
import type { Db } from "../db/types.ts";
import { formatAmount } from "../payouts/payout_rules.ts";
import type { Payout } from "../payouts/payout.ts";
import {
  claimPayout,
  claimPayouts,
  failAbandonedPayout,
  type FinishOutcome,
  finishPayout,
  finishPayouts,
  recordFailedAttempt,
  releaseLeases,
} from "../payouts/processing.repository.ts";
import type { PaymentProvider } from "../connectors/connector.ts";
import { backoffMs } from "../runtime/backoff.ts";
import { Batcher, type BatchOutcome } from "../runtime/batcher.ts";
import { isOutageError } from "../runtime/outage_errors.ts";
import { sleep } from "../runtime/sleep.ts";

export interface ProcessorOptions {
  workerId: string;
  /** How long a claim protects the payout from other workers; renewed for each attempt. */
  leaseMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Told after every shared claim or finish statement of two or more jobs (metrics, tests). */
  onBatch?(statement: "claim" | "finish", size: number, outcome: BatchOutcome): void;
}

type Claim = { payout: Payout; takenOver: boolean } | undefined;

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
  private readonly claims: Batcher<string, Claim>;
  private readonly finishes: Batcher<{ id: string; outcome: FinishOutcome }, boolean>;

  constructor(
    private readonly sql: Db,
    private readonly provider: PaymentProvider,
    private readonly options: ProcessorOptions,
  ) {
    const { workerId, leaseMs, onBatch } = options;
    // A batch that fails on one bad row is retried row by row, so the row fails alone; an
    // outage fails every job of the batch, and each is held like any job in an outage.
    const fallBack = (error: unknown) => !isOutageError(error);
    this.claims = new Batcher({
      key: (id) => id,
      many: async (ids) => {
        const claimed = await claimPayouts(sql, ids, workerId, leaseMs);
        return ids.map((id) => claimed.get(id));
      },
      one: (id) => claimPayout(sql, id, workerId, leaseMs),
      fallBack,
      onBatch: (size, outcome) => onBatch?.("claim", size, outcome),
    });
    this.finishes = new Batcher({
      key: (finish) => finish.id,
      many: async (batch) => {
        const finished = await finishPayouts(sql, batch, workerId);
        return batch.map((finish) => finished.has(finish.id));
      },
      one: async ({ id, outcome }) => !!(await finishPayout(sql, id, workerId, outcome)),
      fallBack,
      onBatch: (size, outcome) => onBatch?.("finish", size, outcome),
    });
  }

  async process(payoutId: string, hooks: JobHooks): Promise<JobOutcome> {
    const { workerId, leaseMs, maxAttempts } = this.options;
    while (true) {
      const claim = await this.claims.add(payoutId);
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
        const done = await this.finish(payout.id, {
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
        const done = await this.finish(payout.id, {
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

  /** Finishes a payout this worker holds; false if the lease was lost meanwhile. */
  private finish(id: string, outcome: FinishOutcome): Promise<boolean> {
    return this.finishes.add({ id, outcome });
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
