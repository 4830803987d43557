/**
 * The worker's webhook loop: leases due messages up to its free delivery slots, sends them
 * concurrently, records each outcome, and looks again at once while it finds work (after
 * `pollMs` otherwise). It has its own slots and loop, so payout processing never waits on
 * an endpoint; leases keep two workers from sending one message at the same time, and the
 * per-endpoint cap keeps one slow endpoint from taking every slot.
 */
import type { Pool } from "../db/types.ts";
import type { Logger } from "../log.ts";
import { Batcher } from "../runtime/batcher.ts";
import { isOutageError } from "../runtime/outage_errors.ts";
import { describe, OutageRetry } from "../runtime/outage_retry.ts";
import { sleep } from "../runtime/sleep.ts";
import { Slots } from "../runtime/slots.ts";
import { deliver, type DeliveryResult, isDelivered } from "./delivery_client.ts";
import {
  type AttemptOutcome,
  claimDueMessages,
  type ClaimedMessage,
  type MessageFate,
  recordAttempts,
  releaseMessageLeases,
} from "./dispatch.repository.ts";
import { messageBody, type RenderEventData } from "./message_body.ts";
import { nextRetry } from "./retry_schedule.ts";
import { LISTENER_URL_POLICY, type UrlPolicy } from "./url_guard.ts";

export interface DispatcherOptions {
  /** Lease owner and attempt log name of this worker. */
  worker: string;
  /** Deliveries in flight in this process. */
  concurrency: number;
  /** Deliveries in flight per endpoint, over all workers. */
  endpointConcurrency: number;
  timeoutMs: number;
  /** Delay before each attempt, the first included. */
  schedule: readonly number[];
  pollMs: number;
  policy: UrlPolicy;
}

export type DeliveryOutcome = "delivered" | "retry_scheduled" | "failed" | "refused";

export interface DeliveryReport {
  outcome: DeliveryOutcome;
  seconds: number;
}

export interface DispatcherDeps {
  sql: Pool;
  log: Logger;
  /** The `data` each body sends, from what the message stores (see RenderEventData). */
  render: RenderEventData;
  /** Called once per recorded attempt (metrics). */
  onDelivery?: (report: DeliveryReport) => void;
}

/**
 * Time a lease covers beyond the HTTP timeout: resolving the host for the URL check (up to
 * 5 s) and recording the outcome. A worker that dies leaves its messages for this long.
 */
const LEASE_MARGIN_MS = 10_000;

export class WebhookDispatcher {
  private readonly slots: Slots;
  private readonly stopping = new AbortController();
  /** Aborts the HTTP requests still open when stop() runs out of time. */
  private readonly cancel = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  /** Resolved (and replaced) whenever a delivery ends: an endpoint may have room again. */
  private settled = Promise.withResolvers<void>();
  private loop: Promise<void> | undefined;
  /** Attempts that end in the same task are recorded by one statement. */
  private readonly records: Batcher<AttemptOutcome, boolean>;

  constructor(private readonly deps: DispatcherDeps, private readonly options: DispatcherOptions) {
    this.slots = new Slots(options.concurrency);
    const record = async (batch: AttemptOutcome[]) => {
      const held = await recordAttempts(deps.sql, options.worker, batch);
      return batch.map((outcome) => held.has(outcome.messageId));
    };
    this.records = new Batcher({
      key: (outcome) => outcome.messageId,
      many: record,
      one: async (outcome) => (await record([outcome]))[0],
      // A row the database refuses fails alone; an outage fails the batch, and each attempt
      // retries on its own below.
      fallBack: (error) => !isOutageError(error),
    });
  }

  private get leaseMs(): number {
    return this.options.timeoutMs + LEASE_MARGIN_MS;
  }

  start(): void {
    this.loop ??= this.claimLoop();
  }

  /**
   * Stops claiming, lets deliveries in flight finish for up to `timeoutMs`, then aborts the
   * rest and releases their leases so another worker sends them at once.
   */
  async stop(timeoutMs: number): Promise<{ unfinished: number }> {
    this.stopping.abort();
    await this.loop;
    const drained = Promise.allSettled([...this.inFlight]).then(() => true);
    const finished = await Promise.race([drained, sleep(timeoutMs).then(() => false)]);
    const unfinished = finished ? 0 : this.inFlight.size;
    if (!finished) {
      this.cancel.abort();
      await Promise.allSettled([...this.inFlight]);
    }
    try {
      await releaseMessageLeases(this.deps.sql, this.options.worker);
    } catch (error) {
      this.deps.log.warn("webhooks: could not release leases; they run out by themselves", {
        error: describe(error),
      });
    }
    return { unfinished };
  }

  private async claimLoop(): Promise<void> {
    const signal = this.stopping.signal;
    const claims = new OutageRetry();
    while (!signal.aborted) {
      await Promise.race([this.slots.whenFree(), sleep(this.options.pollMs, signal)]);
      if (signal.aborted) break;
      if (this.slots.free === 0) continue;
      // Taken before the claim: a delivery that ends while it runs (its lease still seen
      // by the claim's snapshot) wakes the next round instead of being missed.
      const ended = this.settled.promise;
      const limit = this.slots.free;
      let claimed: ClaimedMessage[];
      try {
        claimed = await claimDueMessages(this.deps.sql, {
          worker: this.options.worker,
          limit,
          leaseMs: this.leaseMs,
          endpointConcurrency: this.options.endpointConcurrency,
          firstDelayMs: this.options.schedule[0] ?? 0,
        });
        if (claims.failures > 0) this.deps.log.info("webhooks: claiming messages again");
        claims.reset();
      } catch (error) {
        claims.fail();
        if (claims.shouldLog) {
          this.deps.log.warn("webhooks: claiming messages failed", {
            error: describe(error),
            consecutive_failures: claims.failures,
          });
        }
        await claims.wait(signal);
        continue;
      }
      for (const message of claimed) this.launch(message);
      // Fewer than asked for: nothing else is due, or every endpoint with due messages is at
      // its cap, so claiming again at once would find nothing (and claims run one at a time
      // over all workers). Look again after the poll interval, or as soon as a delivery ends
      // and frees room on its endpoint.
      if (claimed.length < limit) await Promise.race([sleep(this.options.pollMs, signal), ended]);
    }
  }

  private launch(message: ClaimedMessage): void {
    this.slots.take();
    const task = this.attempt(message)
      .catch((error) =>
        this.deps.log.error("webhooks: delivery failed unexpectedly", {
          message_id: message.id,
          error: describe(error),
        })
      )
      .finally(() => {
        this.slots.release();
        this.inFlight.delete(task);
        this.settled.resolve();
        this.settled = Promise.withResolvers<void>();
      });
    this.inFlight.add(task);
  }

  private async attempt(message: ClaimedMessage): Promise<void> {
    const leasedAt = performance.now();
    const result = await deliver({
      url: message.url,
      messageId: message.id,
      body: messageBody(message, this.deps.render),
      secrets: message.secrets,
    }, {
      // A local listener's endpoint reaches its loopback URL, and nothing else, whatever
      // WEBHOOK_ALLOW_* say; every other endpoint is judged by them.
      policy: message.listener ? LISTENER_URL_POLICY : this.options.policy,
      timeoutMs: this.options.timeoutMs,
      signal: this.cancel.signal,
    });
    // Cut off by shutdown: the endpoint did nothing wrong, so no attempt is counted.
    if (result.aborted) return;
    const attemptNumber = message.attemptCount + 1;
    const delivered = isDelivered(result);
    const retry = delivered ? undefined : nextRetry(this.options.schedule, attemptNumber);
    const fate: MessageFate = delivered
      ? { status: "delivered" }
      : retry?.retry
      ? { status: "pending", retryInMs: retry.delayMs }
      : { status: "failed" };
    const recorded = await this.record(message, result, fate, leasedAt);
    if (!recorded) return;
    const outcome: DeliveryOutcome = result.refused
      ? "refused"
      : delivered
      ? "delivered"
      : fate.status === "pending"
      ? "retry_scheduled"
      : "failed";
    this.deps.onDelivery?.({ outcome, seconds: result.durationMs / 1000 });
    const fields = {
      message_id: message.id,
      endpoint_id: message.endpointId,
      event_type: message.eventType,
      attempt: attemptNumber,
      outcome,
      status_code: result.statusCode,
      duration_ms: Math.round(result.durationMs),
      ...(result.error ? { error: result.error } : {}),
      ...(fate.status === "pending" ? { retry_in_ms: fate.retryInMs } : {}),
    };
    if (outcome === "failed") this.deps.log.warn("webhook message failed for good", fields);
    // A delivered message is the common case, one line per message at debug (metrics count
    // them); an attempt that failed is worth a line at info.
    else if (outcome === "delivered") this.deps.log.debug("webhook delivered", fields);
    else this.deps.log.info("webhook attempt failed", fields);
  }

  /**
   * Records the outcome, retrying through a Postgres outage while the lease lasts. After
   * that another worker may have taken the message, and it is sent again (at least once).
   */
  private async record(
    message: ClaimedMessage,
    result: DeliveryResult,
    fate: MessageFate,
    leasedAt: number,
  ): Promise<boolean> {
    const deadline = leasedAt + this.leaseMs;
    const outage = new OutageRetry();
    for (;;) {
      try {
        const held = await this.records.add({
          messageId: message.id,
          attempt: {
            statusCode: result.statusCode,
            durationMs: result.durationMs,
            error: result.error,
            responseBody: result.body,
          },
          fate,
        });
        if (!held) {
          this.deps.log.warn("webhooks: lease lost before the attempt was recorded", {
            message_id: message.id,
          });
        }
        return held;
      } catch (error) {
        outage.fail();
        if (!outage.fitsBefore(deadline)) {
          this.deps.log.warn("webhooks: could not record an attempt; it will be sent again", {
            message_id: message.id,
            error: describe(error),
          });
          return false;
        }
        // A stop that ran out of time gives up at once; the lease then runs out by itself.
        if (!await outage.wait(this.cancel.signal)) return false;
      }
    }
  }
}
