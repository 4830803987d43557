/**
 * One worker process: reads jobs through the consumer group on a dedicated blocking
 * connection, runs up to `concurrency` at once, acknowledges only after the payout's
 * database update committed, claims jobs of dead consumers, and on stop finishes what it
 * holds before returning.
 */
import type { Redis } from "ioredis";
import { isUuid } from "../ids.ts";
import type { Logger } from "../log.ts";
import { AckBatcher } from "../queue/ack_batcher.ts";
import {
  autoClaim,
  deadLetter,
  ensureGroup,
  keepAlive,
  readEntries,
  type StreamEntry,
} from "../queue/job_stream.ts";
import type { StreamNames } from "../queue/stream_names.ts";
import { isOutageError } from "../runtime/outage_errors.ts";
import { describe, OutageRetry } from "../runtime/outage_retry.ts";
import { sleep } from "../runtime/sleep.ts";
import { Slots } from "../runtime/slots.ts";
import type { GiveUpFate, JobOutcome, PayoutProcessor } from "./payout_processor.ts";

export interface WorkerRuntimeOptions {
  consumer: string;
  names: StreamNames;
  concurrency: number;
  batchSize: number;
  blockMs: number;
  claimIdleMs: number;
  reclaimIntervalMs: number;
  maxDeliveries: number;
  deadLetterMaxLen: number;
  /** Pause after a read that came back short (default READ_LINGER_MS). */
  readLingerMs?: number;
}

export interface JobReport {
  payoutId: string | null;
  outcome: JobOutcome["result"] | "dead_lettered" | "error";
  seconds: number;
  attempts?: number;
  deliveries?: number;
  /** For a dead-lettered job: what became of its payout. */
  fate?: GiveUpFate;
}

export interface WorkerRuntimeDeps {
  /** For commands that may block (XREADGROUP); nothing else uses it. */
  blocking: Redis;
  redis: Redis;
  processor: PayoutProcessor;
  log: Logger;
  onJob?: (report: JobReport) => void;
  /** Called once per failed attempt that is retried after a backoff (metrics). */
  onRetry?: () => void;
}

/**
 * After a read that returned fewer entries than asked for, the pause before the next read:
 * at most this much latency per job, for reads that bring batches instead of single entries
 * (fewer round trips per job when the workers keep up with arrivals).
 */
const READ_LINGER_MS = 10;
const ERROR_BACKOFF_MS = [100, 250, 500, 1000, 2000];

export class WorkerRuntime {
  private readonly slots: Slots;
  private readonly stopping = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  /** Payout id → entry id of the jobs running here, so no copy runs beside the original. */
  private readonly running = new Map<string, string>();
  private readonly acks: AckBatcher;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly deps: WorkerRuntimeDeps,
    private readonly options: WorkerRuntimeOptions,
  ) {
    this.slots = new Slots(options.concurrency);
    // Unacknowledged entries are redelivered later and skipped as already finished.
    this.acks = new AckBatcher(
      deps.redis,
      options.names,
      (error) =>
        deps.log.warn("acknowledging jobs failed", {
          error: describe(error),
          consecutive_failures: 1,
        }),
    );
  }

  start(): void {
    this.loops = [this.readLoop(), this.reclaimLoop()];
  }

  get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  /**
   * Stops taking new jobs and waits up to `timeoutMs` for the ones in flight. Jobs still
   * running after that stay pending in the stream for another worker to claim.
   */
  async stop(timeoutMs: number): Promise<{ unfinished: number }> {
    this.stopping.abort();
    // The read loop may be inside one last blocking read (at most blockMs); what it
    // returns was delivered to us and is handled like the rest of the work in flight.
    const drained = Promise.all(this.loops)
      .then(() => Promise.allSettled([...this.inFlight]))
      .then(() => true);
    const finished = await Promise.race([drained, sleep(timeoutMs).then(() => false)]);
    await this.acks.flush();
    return { unfinished: finished ? 0 : this.inFlight.size };
  }

  private async readLoop(): Promise<void> {
    const { names, consumer } = this.options;
    // A restarted worker with the same name first finishes what it had been given, walking
    // its pending list from the last id read: those entries stay pending while they run.
    let backlog: string | null = "0";
    const reads = new OutageRetry(ERROR_BACKOFF_MS);
    while (!this.stopped) {
      await Promise.race([
        this.slots.whenFree(),
        sleep(this.options.blockMs, this.stopping.signal),
      ]);
      if (this.stopped) break;
      if (this.slots.free === 0) continue;
      try {
        if (reads.failures > 0) await ensureGroup(this.deps.redis, names);
        const count = Math.min(this.slots.free, this.options.batchSize);
        const entries = await readEntries(
          this.deps.blocking,
          names,
          consumer,
          backlog ?? ">",
          count,
          this.options.blockMs,
        );
        if (reads.failures > 0) this.deps.log.info("reading jobs again");
        reads.reset();
        if (backlog !== null) backlog = entries.length < count ? null : entries.at(-1)!.id;
        for (const entry of entries) this.dispatch(entry, 1);
        // A short read means the worker has caught up: let jobs gather for a moment so the
        // next read brings a batch instead of one entry per round trip.
        if (entries.length > 0 && entries.length < count) {
          await sleep(this.options.readLingerMs ?? READ_LINGER_MS, this.stopping.signal);
        }
      } catch (error) {
        reads.fail();
        this.logFailure("reading jobs failed", error, reads);
        await reads.wait(this.stopping.signal);
      }
    }
  }

  private async reclaimLoop(): Promise<void> {
    const { names, consumer, claimIdleMs } = this.options;
    const claims = new OutageRetry();
    while (!this.stopped) {
      await sleep(this.options.reclaimIntervalMs, this.stopping.signal);
      let cursor = "0-0";
      try {
        do {
          if (this.stopped || this.slots.free === 0) break;
          const claimed = await autoClaim(
            this.deps.redis,
            names,
            consumer,
            claimIdleMs,
            cursor,
            this.slots.free,
          );
          cursor = claimed.next;
          for (const entry of claimed.entries) {
            this.deps.log.info("claimed a stalled job", {
              entry_id: entry.id,
              deliveries: entry.deliveries,
            });
            this.dispatch(entry, entry.deliveries);
          }
        } while (cursor !== "0-0");
        claims.reset();
      } catch (error) {
        claims.fail();
        this.logFailure("claiming stalled jobs failed", error, claims);
      }
    }
  }

  private dispatch(entry: StreamEntry, deliveries: number): void {
    const { payoutId } = entry;
    const original = payoutId === null ? undefined : this.running.get(payoutId);
    if (original !== undefined) {
      // The database cannot tell two jobs of one worker apart (the lease is the worker's),
      // so a duplicate job would reach the provider again. The original decides the payout;
      // a reclaim of the original's own entry leaves it pending with the original.
      if (original !== entry.id) this.acks.add(entry.id);
      return;
    }
    if (payoutId !== null) this.running.set(payoutId, entry.id);
    this.slots.take();
    const job = this.handle(entry, deliveries).finally(() => {
      if (payoutId !== null) this.running.delete(payoutId);
      this.slots.release();
      this.inFlight.delete(job);
    });
    this.inFlight.add(job);
  }

  private async handle(entry: StreamEntry, deliveries: number): Promise<void> {
    const started = performance.now();
    const report = (outcome: JobReport["outcome"], attempts?: number, fate?: JobReport["fate"]) =>
      this.deps.onJob?.({
        payoutId: entry.payoutId,
        outcome,
        attempts,
        deliveries,
        seconds: (performance.now() - started) / 1000,
        ...(fate ? { fate } : {}),
      });
    const outages = new OutageRetry();
    for (;;) {
      try {
        const { outcome, attempts, fate } = await this.run(entry, deliveries);
        return report(outcome, attempts, fate);
      } catch (error) {
        const context = { payout_id: entry.payoutId, entry_id: entry.id, error: describe(error) };
        if (!isOutageError(error)) {
          // Not acknowledged: the entry stays pending and is claimed again after it idles,
          // counting a delivery, so a job that always fails ends in the dead-letter stream.
          this.deps.log.error("job failed; it will be retried", context);
          return report("error");
        }
        // Postgres or Redis is unreachable: hold the job and retry it here, keeping the
        // entry alive so that the outage is not counted as a failed delivery.
        outages.fail();
        if (outages.shouldLog) {
          this.deps.log.warn("dependency unreachable; holding the job", {
            ...context,
            outage: outages.failures,
          });
        }
        if (!await outages.wait(this.stopping.signal)) return report("error");
        await keepAlive(this.deps.redis, this.options.names, this.options.consumer, entry.id)
          .catch(() => {});
      }
    }
  }

  /** Decides one delivered entry; throws when Postgres or Redis fails midway. */
  private async run(
    entry: StreamEntry,
    deliveries: number,
  ): Promise<{ outcome: JobReport["outcome"]; attempts?: number; fate?: JobReport["fate"] }> {
    const { processor, log } = this.deps;
    if (entry.payoutId === null) {
      // The payload was trimmed away after it was acknowledged elsewhere: nothing to do.
      this.acks.add(entry.id);
      return { outcome: "skipped" };
    }
    if (!isUuid(entry.payoutId)) {
      await this.deadLetter(entry, "malformed job: payout_id is not a UUID");
      return { outcome: "dead_lettered" };
    }
    if (deliveries > this.options.maxDeliveries) {
      const reason = `job delivered ${deliveries} times without finishing`;
      const fate = await processor.giveUp(entry.payoutId, reason);
      await this.deadLetter(entry, reason);
      log.warn("job dead-lettered", { payout_id: entry.payoutId, reason, payout: fate });
      return { outcome: "dead_lettered", fate };
    }
    const outcome = await processor.process(entry.payoutId, {
      stopping: this.stopping.signal,
      beforeBackoff: () => {
        this.slots.release();
        this.deps.onRetry?.();
      },
      afterBackoff: async () => {
        await this.slots.acquire();
        await keepAlive(this.deps.redis, this.options.names, this.options.consumer, entry.id)
          .catch(() => {});
      },
    });
    if (outcome.result === "failed") {
      await this.deadLetter(entry, outcome.reason);
    } else if (outcome.result !== "abandoned") {
      this.acks.add(entry.id);
    }
    return {
      outcome: outcome.result,
      attempts: "attempts" in outcome ? outcome.attempts : undefined,
    };
  }

  private async deadLetter(entry: StreamEntry, reason: string): Promise<void> {
    const { names, deadLetterMaxLen } = this.options;
    await deadLetter(this.deps.redis, names, entry, reason, deadLetterMaxLen);
  }

  /** Logs the latest failure of `retry`'s loop, if it is one to log. */
  private logFailure(message: string, error: unknown, retry: OutageRetry): void {
    if (retry.shouldLog) {
      this.deps.log.warn(message, { error: describe(error), consecutive_failures: retry.failures });
    }
  }
}
