/**
 * Acknowledges stream entries in batches: ids queued within `flushMs` of each other go out
 * as one XACK. An ack only follows a committed database update, so delaying it a little is
 * safe: an entry redelivered before its ack lands is skipped as already finished.
 */
import type { Redis } from "ioredis";
import { Batcher } from "../runtime/batcher.ts";
import { ackEntries } from "./job_stream.ts";
import type { StreamNames } from "./stream_names.ts";

/**
 * How long a queued ack waits for company before it is sent: long enough to batch the acks
 * of a busy worker, short enough that the pending list stays small.
 */
const ACK_FLUSH_MS = 20;

export class AckBatcher {
  private readonly batcher: Batcher<string, void>;

  constructor(
    redis: Redis,
    names: StreamNames,
    /** Told when a batch could not be sent; its entries stay pending and come back. */
    onError: (error: unknown) => void,
    flushMs = ACK_FLUSH_MS,
  ) {
    this.batcher = new Batcher({
      // Never rejects: a failed XACK is reported once for its batch, not once per entry.
      many: async (ids) => {
        try {
          await ackEntries(redis, names, ids);
        } catch (error) {
          onError(error);
        }
        return ids.map(() => undefined);
      },
      windowMs: flushMs,
      maxSize: Infinity,
    });
  }

  /** Queues the acknowledgement of one entry; nobody waits for it. */
  add(id: string): void {
    void this.batcher.add(id);
  }

  /** Sends what is queued now; resolves once Redis answered (or the send failed). */
  flush(): Promise<void> {
    return this.batcher.flush();
  }
}
