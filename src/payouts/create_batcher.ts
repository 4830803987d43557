/**
 * Group commit for creates: payouts created close together are inserted by one statement,
 * so they share one transaction and one WAL flush, and their jobs go out in one append
 * (one Redis command). One statement is in flight at a time: the creates that arrive while
 * it runs gather and go together the moment it returns, so batches grow with the load and
 * an idle service sends a create at once instead of holding it for a window. Each caller is
 * answered once its batch committed and its job was handed to the publisher, exactly as an
 * unbatched create is.
 */
import type { Db } from "../db/types.ts";
import type { CreatedJob, JobPublisher } from "../queue/publisher.ts";
import type { Payout } from "./payout.ts";
import {
  type CreatedPayout,
  insertPayout,
  insertPayouts,
  type NewPayout,
} from "./payouts.repository.ts";

export interface CreateBatchOptions {
  /**
   * When no statement is in flight, how long the first create waits for others (ms); 0
   * sends it at the end of the current turn of the event loop. While a statement is in
   * flight, creates wait for it to return, whatever this is.
   */
  maxWaitMs: number;
  /** The most creates in one statement. */
  maxSize: number;
  /** Called with the number of payouts of every statement that committed. */
  onBatch?: (size: number) => void;
}

interface Waiting {
  payout: NewPayout;
  resolve(payout: Payout): void;
  reject(error: unknown): void;
}

type Outcome = { ok: true; created: CreatedPayout } | { ok: false; error: unknown };

/** Gathers concurrent creates into batches; see the module comment. */
export class CreateBatcher {
  private waiting: Waiting[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private sendQueued = false;
  /** True while a batch statement (or its row-by-row retry) runs. */
  private inserting = false;
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly sql: Db,
    private readonly publisher: JobPublisher,
    private readonly options: CreateBatchOptions,
  ) {
    if (!(options.maxWaitMs >= 0) || !(options.maxSize >= 1)) {
      throw new RangeError("create batching needs maxWaitMs >= 0 and maxSize >= 1");
    }
  }

  /**
   * Creates one payout in the next batch. Resolves with it once committed and published;
   * rejects with the database's error when this payout, alone, could not be inserted.
   */
  create(payout: NewPayout): Promise<Payout> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ payout, resolve, reject });
      // While a statement is in flight, its return sends what gathered meanwhile.
      if (this.inserting) return;
      if (this.waiting.length >= this.options.maxSize) this.send();
      else if (this.options.maxWaitMs > 0) {
        this.timer ??= setTimeout(() => this.send(), this.options.maxWaitMs);
      } else if (!this.sendQueued) {
        // Creates of the same turn (e.g. one Promise.all) still share the statement.
        this.sendQueued = true;
        queueMicrotask(() => this.send());
      }
    });
  }

  /**
   * Sends the creates gathering now, without waiting out a window, and resolves once every
   * create handed in so far has been answered.
   */
  async flush(): Promise<void> {
    this.send();
    while (this.running.size > 0) await Promise.all(this.running);
  }

  /** Sends up to maxSize of the gathered creates, unless a statement is in flight. */
  private send(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.sendQueued = false;
    if (this.inserting || this.waiting.length === 0) return;
    const batch = this.waiting.splice(0, this.options.maxSize);
    this.inserting = true;
    const run: Promise<void> = this.run(batch).finally(() => this.running.delete(run));
    this.running.add(run);
  }

  private async run(batch: Waiting[]): Promise<void> {
    try {
      let outcomes: Outcome[];
      try {
        outcomes = await this.insert(batch.map((waiting) => waiting.payout));
      } finally {
        // The next batch's statement runs while this one publishes and answers.
        this.inserting = false;
        this.send();
      }
      const jobs: CreatedJob[] = [];
      for (const outcome of outcomes) {
        if (outcome.ok && outcome.created.outboxId !== null) {
          jobs.push({ payoutId: outcome.created.payout.id, outboxId: outcome.created.outboxId });
        }
      }
      // After the commit, as for one create; the publisher never throws.
      await this.publisher.publishCreatedMany(jobs);
      outcomes.forEach((outcome, i) => {
        if (outcome.ok) batch[i].resolve(outcome.created.payout);
        else batch[i].reject(outcome.error);
      });
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
    }
  }

  /**
   * One statement for the batch. If it fails, each payout is tried again on its own, so a
   * row the database refuses fails its own request and no other.
   */
  private async insert(payouts: NewPayout[]): Promise<Outcome[]> {
    if (payouts.length > 1) {
      let created: CreatedPayout[] | undefined;
      try {
        created = await insertPayouts(this.sql, payouts);
      } catch {
        // Which row was at fault is not known: the retries below find out.
      }
      if (created) {
        this.report(payouts.length);
        return created.map((one) => ({ ok: true, created: one }));
      }
    }
    return await Promise.all(payouts.map((payout) => this.insertOne(payout)));
  }

  private async insertOne({ id, draft, status, actor }: NewPayout): Promise<Outcome> {
    let created: CreatedPayout;
    try {
      created = await insertPayout(this.sql, id, draft, status, actor);
    } catch (error) {
      return { ok: false, error };
    }
    this.report(1);
    return { ok: true, created };
  }

  /** A report that throws must not turn a commit into a retry or a failed request. */
  private report(size: number): void {
    try {
      this.options.onBatch?.(size);
    } catch {
      // Metrics only.
    }
  }
}
