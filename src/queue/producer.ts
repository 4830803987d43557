/** Appends payout jobs to the stream and retires their outbox rows. */
import type { Redis } from "ioredis";
import type { Db } from "../db/types.ts";
import type { Logger } from "../log.ts";
import { deleteOutboxRows } from "./outbox.repository.ts";
import type { CreatedJob, JobPublisher } from "./publisher.ts";
import { PAYOUT_ID_FIELD } from "./stream_names.ts";

const FLUSH_EVERY_MS = 100;
const FLUSH_AT_ROWS = 500;

/** The client command that appends many jobs at once (see APPEND_JOBS). */
const APPEND_COMMAND = "payoutsAppendJobs";
/**
 * One job entry per payout id, in order, in one command: Redis answers once, where a
 * pipeline of XADDs costs the client a command, a reply and a timer per job. Not atomic,
 * like the pipeline: an error part-way leaves the first entries appended, and the outbox
 * rows of all of them in place, so the relay appends duplicates that workers skip.
 */
const APPEND_JOBS = `
for i = 1, #ARGV do
  redis.call('XADD', KEYS[1], '*', '${PAYOUT_ID_FIELD}', ARGV[i])
end
return #ARGV
`;

type AppendClient = Redis & {
  [APPEND_COMMAND](stream: string, ...payoutIds: string[]): Promise<number>;
};

export class StreamProducer implements JobPublisher {
  private readonly published: string[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly redis: Redis,
    private readonly sql: Db,
    private readonly stream: string,
    private readonly log: Logger,
  ) {
    if (typeof (redis as AppendClient)[APPEND_COMMAND] !== "function") {
      // EVALSHA, with a fallback to EVAL when the server does not know the script (yet).
      redis.defineCommand(APPEND_COMMAND, { numberOfKeys: 1, lua: APPEND_JOBS });
    }
  }

  /** Appends jobs for these payouts, in order, in one command; throws if Redis refuses. */
  async append(payoutIds: string[]): Promise<void> {
    if (payoutIds.length === 0) return;
    await (this.redis as AppendClient)[APPEND_COMMAND](this.stream, ...payoutIds);
  }

  publishCreated(payoutId: string, outboxId: string): Promise<void> {
    return this.publishCreatedMany([{ payoutId, outboxId }]);
  }

  async publishCreatedMany(jobs: readonly CreatedJob[]): Promise<void> {
    if (jobs.length === 0) return;
    try {
      // A plain XADD for one job: no script to look up.
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
