/**
 * Acknowledges stream entries in batches: ids queued within `flushMs` of each other go out
 * as one XACK. An ack only follows a committed database update, so delaying it a little is
 * safe: an entry redelivered before its ack lands is skipped as already finished.
 */
import type { Redis } from "ioredis";
import { ackEntries } from "./job_stream.ts";
import type { StreamNames } from "./stream_names.ts";

/**
 * How long a queued ack waits for company before it is sent: long enough to batch the acks
 * of a busy worker, short enough that the pending list stays small.
 */
const ACK_FLUSH_MS = 20;

export class AckBatcher {
  private readonly queued: string[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly names: StreamNames,
    /** Told when a batch could not be sent; its entries stay pending and come back. */
    private readonly onError: (error: unknown) => void,
    private readonly flushMs = ACK_FLUSH_MS,
  ) {}

  /** Queues the acknowledgement of one entry. */
  add(id: string): void {
    this.queued.push(id);
    this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  /** Sends what is queued now; resolves once Redis answered (or the send failed). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const ids = this.queued.splice(0);
    try {
      await ackEntries(this.redis, this.names, ids);
    } catch (error) {
      this.onError(error);
    }
  }
}
