/**
 * Gathers concurrent single-item calls into one batch call, so that one statement (or one
 * Redis command) does the work of many: the jobs of one stream read reach their claim within
 * the same task, creates arrive together under load, acks pile up between two sends. Every
 * caller still gets its own item's result, so each keeps its own retries and outcome.
 *
 * When a batch goes:
 * - by default, `windowMs` after its first item came; batches may overlap, and what one left
 *   behind (a key it already held, or more than `maxSize`) goes once it has been decided;
 * - with `oneInFlight`, one batch call runs at a time: the items that come while it runs
 *   gather and go together the moment it returns, so batches grow with the load, while an
 *   idle batcher sends at once (a full batch at once, the rest after `windowMs`).
 *
 * A caller that does not wait for its answer (an ack) gets a `many` that handles its own
 * errors, so that no answer is a rejection nobody hears.
 */

export interface BatcherOptions<I, R> {
  /** Decides every item of a batch in one call; results in the items' order. */
  many(items: I[]): Promise<R[]>;
  /**
   * Decides one item alone: for a batch of one, and for each item of a batch that fell
   * back. Without it, `many` decides a batch of one too.
   */
  one?(item: I): Promise<R>;
  /**
   * Whether a failed batch is retried item by item, so that one bad row fails alone. When
   * false (e.g. the database is unreachable), or not given, every caller gets the batch's
   * error.
   */
  fallBack?(error: unknown): boolean;
  /** Identifies an item: a batch then holds each key at most once. */
  key?(item: I): string;
  /**
   * How long the first item waits for company (default 0). 0 waits for the current task to
   * end (a timer of 0 ms); with `oneInFlight`, only for the current turn's microtasks, so
   * that calls made together (one Promise.all) share a batch and a lone call goes at once.
   */
  windowMs?: number;
  /** Items per batch at most (default 1000); the rest go into the next one. */
  maxSize?: number;
  /** One batch call at a time; see the module comment. */
  oneInFlight?: boolean;
  /** Told after every batch of two or more items how it went (metrics, tests). */
  onBatch?(size: number, outcome: BatchOutcome): void;
}

/** `ok`: one statement decided all; `fell_back`: item by item after it failed; `failed`. */
export type BatchOutcome = "ok" | "fell_back" | "failed";

interface Waiter<I, R> {
  item: I;
  resolve(result: R): void;
  reject(error: unknown): void;
}

const DEFAULT_MAX_SIZE = 1000;

export class Batcher<I, R> {
  private queue: Waiter<I, R>[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** A send is queued for the end of this turn (`oneInFlight` with no window). */
  private sendQueued = false;
  /** A batch call is running (`oneInFlight` only). */
  private busy = false;
  /** Batches not yet decided, for flush(). */
  private readonly running = new Set<Promise<void>>();
  private readonly windowMs: number;
  private readonly maxSize: number;

  constructor(private readonly options: BatcherOptions<I, R>) {
    this.windowMs = options.windowMs ?? 0;
    this.maxSize = options.maxSize ?? DEFAULT_MAX_SIZE;
  }

  /** Queues one item; resolves with its own result once its batch is decided. */
  add(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /**
   * Sends what is queued now, without waiting out a window, and resolves once every item
   * added so far has been decided (e.g. at shutdown).
   */
  async flush(): Promise<void> {
    this.send();
    while (this.running.size > 0) {
      await Promise.all(this.running);
      this.send();
    }
  }

  private schedule(): void {
    if (this.options.oneInFlight) {
      // While a batch call runs, its return sends what gathered meanwhile.
      if (this.busy) return;
      if (this.queue.length >= this.maxSize) return this.send();
      if (this.windowMs === 0) {
        if (!this.sendQueued) queueMicrotask(() => this.send());
        this.sendQueued = true;
        return;
      }
    }
    this.timer ??= setTimeout(() => this.send(), this.windowMs);
  }

  private send(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.sendQueued = false;
    if (this.busy || this.queue.length === 0) return;
    const batch = this.take();
    this.busy = this.options.oneInFlight === true;
    const run: Promise<void> = this.run(batch).finally(() => {
      this.running.delete(run);
      if (!this.options.oneInFlight && this.queue.length > 0) {
        this.timer ??= setTimeout(() => this.send(), 0);
      }
    });
    this.running.add(run);
  }

  /** The next batch, in the order the items came; the rest stay queued. */
  private take(): Waiter<I, R>[] {
    const batch: Waiter<I, R>[] = [];
    const later: Waiter<I, R>[] = [];
    const keys = new Set<string>();
    for (const waiter of this.queue) {
      const key = this.options.key?.(waiter.item);
      // A second call for the same key waits for the next batch: one statement cannot
      // decide a row twice, and the second call must see what the first one did.
      if (batch.length < this.maxSize && (key === undefined || !keys.has(key))) {
        if (key !== undefined) keys.add(key);
        batch.push(waiter);
      } else {
        later.push(waiter);
      }
    }
    this.queue = later;
    return batch;
  }

  private async run(batch: Waiter<I, R>[]): Promise<void> {
    try {
      if (batch.length === 1) {
        await this.one(batch[0].item).then(batch[0].resolve, batch[0].reject);
        return;
      }
      let results: R[];
      try {
        results = await this.options.many(batch.map((waiter) => waiter.item));
        if (results.length !== batch.length) {
          throw new Error(`batch of ${batch.length} returned ${results.length} results`);
        }
      } catch (error) {
        if (!this.options.fallBack?.(error)) {
          this.report(batch.length, "failed");
          for (const waiter of batch) waiter.reject(error);
          return;
        }
        this.report(batch.length, "fell_back");
        // All at once, so a slow or failing row delays none of the others.
        await Promise.all(
          batch.map((waiter) => this.one(waiter.item).then(waiter.resolve, waiter.reject)),
        );
        return;
      }
      this.report(batch.length, "ok");
      batch.forEach((waiter, index) => waiter.resolve(results[index]));
    } finally {
      // The next batch goes the moment this one is decided.
      if (this.busy) {
        this.busy = false;
        this.send();
      }
    }
  }

  private one(item: I): Promise<R> {
    const { one, many } = this.options;
    return one ? one(item) : many([item]).then((results) => results[0]);
  }

  private report(size: number, outcome: BatchOutcome): void {
    try {
      this.options.onBatch?.(size, outcome);
    } catch {
      // A report (metrics) that fails must not leave the batch's callers waiting forever.
    }
  }
}
