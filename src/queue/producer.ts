/** Appends payout jobs to the stream and retires their outbox rows. */
import type { Redis } from "ioredis";
import type { Db } from "../db/types.ts";
import type { Logger } from "../log.ts";
import { deleteOutboxRows } from "./outbox.repository.ts";
import type { CreatedJob, JobPublisher } from "./publisher.ts";
import { PAYOUT_ID_FIELD } from "./stream_names.ts";

const FLUSH_EVERY_MS = 100;
const FLUSH_AT_ROWS = 500;

export class StreamProducer implements JobPublisher {
  private readonly published: string[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly redis: Redis,
    private readonly sql: Db,
    private readonly stream: string,
    private readonly log: Logger,
  ) {}

  /** Appends jobs for these payouts in one round trip; throws if Redis refuses. */
  async append(payoutIds: string[]): Promise<void> {
    if (payoutIds.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const id of payoutIds) pipeline.xadd(this.stream, "*", PAYOUT_ID_FIELD, id);
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error);
    if (!results || failed) throw failed?.[0] ?? new Error("redis pipeline was aborted");
  }

  publishCreated(payoutId: string, outboxId: string): Promise<void> {
    return this.publishCreatedMany([{ payoutId, outboxId }]);
  }

  async publishCreatedMany(jobs: readonly CreatedJob[]): Promise<void> {
    if (jobs.length === 0) return;
    try {
      // One command, not a pipeline of one: cheaper per request.
      if (jobs.length === 1) {
        await this.redis.xadd(this.stream, "*", PAYOUT_ID_FIELD, jobs[0].payoutId);
      } else await this.append(jobs.map((job) => job.payoutId));
    } catch (error) {
      // The message operators grep for (docs/operations.md), whatever the batch size.
      this.log.warn("job not enqueued; the outbox relay will publish it", {
        payout_id: jobs[0].payoutId,
        count: jobs.length,
        error: error instanceof Error ? error.message : String(error),
      });
      return;
    }
    // Deleting outbox rows in batches saves a round trip per payout; a row left behind by
    // a crash only makes the relay publish a duplicate job, which workers ignore.
    for (const job of jobs) this.published.push(job.outboxId);
    if (this.published.length >= FLUSH_AT_ROWS) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_EVERY_MS);
  }

  /** Deletes the outbox rows of published jobs; resolves when that is done. */
  flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const ids = this.published.splice(0);
    if (ids.length > 0) {
      this.flushing = this.flushing.then(() =>
        deleteOutboxRows(this.sql, ids).catch((error) => {
          this.log.warn("outbox rows not retired; the relay will publish duplicates", {
            count: ids.length,
            error: error instanceof Error ? error.message : String(error),
          });
        })
      );
    }
    return this.flushing;
  }
}
