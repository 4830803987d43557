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
import { Batcher } from "../runtime/batcher.ts";
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

type Outcome = { ok: true; created: CreatedPayout } | { ok: false; error: unknown };

/**
 * One create's outcome, and the publication of its batch's jobs, which it is answered after:
 * started by the first of the batch's callers to resume (see deferPublish).
 */
interface Inserted {
  outcome: Outcome;
  publish: () => Promise<void>;
}

/** Gathers concurrent creates into batches; see the module comment. */
export class CreateBatcher {
  private readonly batcher: Batcher<NewPayout, Inserted>;
  /** Publications still running, so that flush() waits for them too. */
  private readonly publishing = new Set<Promise<void>>();
  /** Publications of batches that committed, not started yet. */
  private readonly unstarted = new Set<() => Promise<void>>();

  constructor(
    private readonly sql: Db,
    private readonly publisher: JobPublisher,
    private readonly options: CreateBatchOptions,
  ) {
    if (!(options.maxWaitMs >= 0) || !(options.maxSize >= 1)) {
      throw new RangeError("create batching needs maxWaitMs >= 0 and maxSize >= 1");
    }
    this.batcher = new Batcher({
      // The statement in flight is the insert (with its row-by-row retry): the next batch's
      // statement runs while this one publishes and answers.
      many: async (payouts) => {
        const publish = this.deferPublish(await this.insert(payouts));
        return payouts.map((_, index) => ({ outcome: publish.outcomes[index], publish }));
      },
      windowMs: options.maxWaitMs,
      maxSize: options.maxSize,
      oneInFlight: true,
    });
  }

  /**
   * Creates one payout in the next batch. Resolves with it once committed and published;
   * rejects with the database's error when this payout, alone, could not be inserted.
   */
  async create(payout: NewPayout): Promise<Payout> {
    const { outcome, publish } = await this.batcher.add(payout);
    await publish();
    if (!outcome.ok) throw outcome.error;
    return outcome.created.payout;
  }

  /**
   * Sends the creates gathering now, without waiting out a window, and resolves once every
   * create handed in so far has been answered.
   */
  async flush(): Promise<void> {
    await this.batcher.flush();
    for (const publish of this.unstarted) publish();
    await Promise.allSettled(this.publishing);
  }

  /**
   * The publication of a batch that committed, started by its first call: the batch's
   * callers resume only after the batcher sent the next statement, so that statement goes
   * to Postgres before the append goes to Redis (on 2 busy cores, each write can hand the
   * core to the process it wakes; the statement is what the next batch waits on).
   */
  private deferPublish(
    outcomes: Outcome[],
  ): (() => Promise<void>) & { outcomes: Outcome[] } {
    let started: Promise<void> | undefined;
    const publish = () => {
      if (!started) {
        this.unstarted.delete(publish);
        started = this.publish(outcomes);
      }
      return started;
    };
    this.unstarted.add(publish);
    return Object.assign(publish, { outcomes });
  }

  /** Appends the jobs of the rows that committed, after the commit as for one create. */
  private publish(outcomes: Outcome[]): Promise<void> {
    const jobs: CreatedJob[] = [];
    for (const outcome of outcomes) {
      if (outcome.ok && outcome.created.outboxId !== null) {
        jobs.push({ payoutId: outcome.created.payout.id, outboxId: outcome.created.outboxId });
      }
    }
    // The publisher never throws.
    const published = this.publisher.publishCreatedMany(jobs)
      .finally(() => this.publishing.delete(published));
    this.publishing.add(published);
    return published;
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
