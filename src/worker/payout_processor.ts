/**
 * The processing use case: carries one payout through pending → processing → completed or
 * failed, or hands it to a connector that answers later (submitted). Paid at most once: each
 * claim is a conditional update, and the connector call carries the payout id as its
 * idempotency key. The routing rules give the candidate connectors; the payout moves to the
 * next one only when a connector refused before sending anything, and a payout whose outcome
 * is unknown stays with its connector (recorded before the call whenever there is a choice).
 * Jobs that claim or finish at the same time (the jobs of one stream read) share one
 * statement for it; each keeps its own outcome.
 */
import type { Db } from "../db/types.ts";
import { formatAmount } from "../payouts/payout_rules.ts";
import type { Payout } from "../payouts/payout.ts";
import { findPayout } from "../payouts/payouts.repository.ts";
import {
  claimPayout,
  claimPayouts,
  failAbandonedPayout,
  type FinishOutcome,
  finishPayout,
  finishPayouts,
  markSubmitted,
  recordConnector,
  recordFailedAttempt,
  recordRefusal,
  releaseLeases,
} from "../payouts/processing.repository.ts";
import { type Connector, type ConnectorResult, paymentOrderOf } from "../connectors/connector.ts";
import type { Router } from "../connectors/routing.ts";
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
  /** Handed to a connector that answers later; its report finishes the payout. */
  | { result: "submitted"; attempts: number }
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

/** The connectors to try for a claimed payout, from `index` on. */
type Route =
  | { candidates: Connector[]; index: number; recorded: boolean }
  | { none: string };

/** What became of a payout whose job was given up on. */
export type GiveUpFate = "failed" | "completed" | "submitted" | "unchanged";

export class PayoutProcessor {
  private readonly claims: Batcher<string, Claim>;
  private readonly finishes: Batcher<{ id: string; outcome: FinishOutcome }, boolean>;

  constructor(
    private readonly sql: Db,
    private readonly router: Router,
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
      const attempts = payout.attempts;
      const route = await this.routeOf(claim);
      if ("none" in route) {
        const reason = route.none;
        const done = await this.finish(payout.id, { status: "failed", reason, detail: {} });
        return done ? { result: "failed", reason, attempts } : { result: "lease_lost" };
      }
      const { candidates } = route;
      let index = route.index;
      // With a choice of connectors, the one about to be called is recorded first: if the
      // outcome is lost (a timeout, a crash), the payout must never go to another one. With
      // one candidate the finish records it, and the hot path costs no extra statement.
      if (!route.recorded && candidates.length - index > 1) {
        if (!(await recordConnector(this.sql, payout.id, workerId, candidates[index].name))) {
          return { result: "lease_lost" };
        }
      }
      const refusals: string[] = [];
      let result: ConnectorResult;
      let connector: Connector;
      for (;;) {
        connector = candidates[index];
        result = await connector.pay(paymentOrderOf(payout));
        if (result.outcome !== "refused") break;
        refusals.push(`${connector.name}: ${result.reason}`);
        const next = candidates[index + 1];
        if (next === undefined) break;
        // Nothing was sent: the next connector may pay it. Recorded before that call too.
        const moved = await recordRefusal(this.sql, payout.id, workerId, {
          connector: connector.name,
          reason: result.reason,
          next: next.name,
        }, leaseMs);
        if (!moved) return { result: "lease_lost" };
        index++;
      }
      const name = connector.name;
      if (result.outcome === "paid" || result.outcome === "duplicate") {
        const done = await this.finish(payout.id, {
          status: "completed",
          detail: { provider_outcome: result.outcome, connector: name },
          connector: name,
        });
        return done ? { result: "completed", attempts } : { result: "lease_lost" };
      }
      if (result.outcome === "submitted") {
        const done = await markSubmitted(this.sql, payout.id, workerId, name);
        return done ? { result: "submitted", attempts } : { result: "lease_lost" };
      }
      if (result.outcome === "refused") {
        const reason = refusals.length === 1
          ? `refused by ${refusals[0]}`
          : `refused by every connector of its route: ${refusals.join("; ")}`;
        const done = await this.finish(payout.id, {
          status: "failed",
          reason,
          detail: { provider_outcome: "refused", connector: name },
          connector: name,
        });
        return done ? { result: "failed", reason, attempts } : { result: "lease_lost" };
      }
      const { outcome, reason: providerReason } = result as Extract<
        ConnectorResult,
        { outcome: "transient_error" | "permanent_error" }
      >;
      if (outcome === "permanent_error" || attempts >= maxAttempts) {
        const reason = outcome === "permanent_error"
          ? providerReason
          : `${providerReason} (gave up after ${attempts} attempts)`;
        const done = await this.finish(payout.id, {
          status: "failed",
          reason,
          detail: { provider_outcome: outcome, connector: name },
          connector: name,
        });
        return done ? { result: "failed", reason, attempts } : { result: "lease_lost" };
      }
      const wait = backoffMs(attempts, this.options.retryBaseMs, this.options.retryMaxMs);
      // The connector is recorded with the failed attempt: the retry goes to the same one,
      // with the same idempotency key, whatever the routing rules say by then.
      const held = await recordFailedAttempt(
        this.sql,
        payout.id,
        workerId,
        {
          attempt: attempts,
          reason: providerReason,
          retry_in_ms: wait,
          connector: name,
        },
        wait + leaseMs,
        name,
      );
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
   * The connectors to try: the recorded one if the payout has one (it never re-routes), else
   * the routing rules' candidates. A payout taken over with none recorded (one candidate, and
   * its holder died before the finish) goes to a connector that says it had it, if one does:
   * the rules may have changed since it was sent.
   */
  private async routeOf(claim: NonNullable<Claim>): Promise<Route> {
    const { payout } = claim;
    const { candidates } = this.router.route(payout);
    if (payout.connector !== null) {
      const recorded = this.router.get(payout.connector);
      if (recorded === undefined) {
        // Not failed and not re-routed: it may have been sent. Its job is retried (and in
        // the end dead-lettered, the payout unchanged) until a worker has that connector.
        throw new Error(
          `payout ${payout.id} was sent through connector ${payout.connector}, which this ` +
            "worker does not have",
        );
      }
      const index = candidates.indexOf(recorded);
      return index >= 0
        ? { candidates, index, recorded: true }
        : { candidates: [recorded], index: 0, recorded: true };
    }
    if (claim.takenOver) {
      const holder = await this.acceptedBy(payout.id);
      if (holder !== undefined) return { candidates: [holder], index: 0, recorded: false };
    }
    if (candidates.length === 0) {
      return {
        none: `no connector can pay ${payout.currency} ${
          formatAmount(payout.amountMinor, payout.currency)
        } to a ${payout.recipientType} recipient`,
      };
    }
    return { candidates, index: 0, recorded: false };
  }

  /** The connector that was handed this payout and accepted it (`first` asked first), if any. */
  private async acceptedBy(
    payoutId: string,
    first: string | null = null,
  ): Promise<Connector | undefined> {
    const connectors = [...this.router.connectors]
      .sort((a, b) => Number(b.name === first) - Number(a.name === first));
    for (const connector of connectors) {
      if (await connector.wasPaid(payoutId)) return connector;
    }
    return undefined;
  }

  /** Finishes a payout this worker holds; false if the lease was lost meanwhile. */
  private finish(id: string, outcome: FinishOutcome): Promise<boolean> {
    return this.finishes.add({ id, outcome });
  }

  /**
   * Gives up on a payout whose job could not be processed (delivered too often, or
   * malformed). It is failed only if no connector ever accepted it: one paid is completed
   * instead, one a connector took for a later answer is marked submitted. Returns what
   * became of it.
   */
  async giveUp(payoutId: string, reason: string): Promise<GiveUpFate> {
    const actor = this.options.workerId;
    const recorded = (await findPayout(this.sql, payoutId))?.connector ?? null;
    // Sent through a connector this worker lacks: only that connector can say whether it
    // paid, so the payout is neither failed nor completed here.
    if (recorded !== null && this.router.get(recorded) === undefined) return "unchanged";
    const connector = await this.acceptedBy(payoutId, recorded);
    if (connector === undefined) {
      return await failAbandonedPayout(this.sql, payoutId, actor, reason) ? "failed" : "unchanged";
    }
    const claim = await claimPayout(this.sql, payoutId, actor, this.options.leaseMs);
    if (!claim) return "unchanged";
    if (connector.answersLater) {
      return await markSubmitted(this.sql, payoutId, actor, connector.name)
        ? "submitted"
        : "unchanged";
    }
    const done = await finishPayout(this.sql, payoutId, actor, {
      status: "completed",
      detail: { provider_outcome: "duplicate", connector: connector.name },
      connector: connector.name,
    });
    return done ? "completed" : "unchanged";
  }
}
