/**
 * Gathers concurrent single-item calls into one batch call: the jobs of one stream read reach
 * their claim (and later their finish) within the same task, and one statement for all of
 * them costs one commit instead of one each. Every caller still gets its own item's result,
 * so the jobs keep their own retries, leases and outcomes.
 */

export interface BatcherOptions<I, R> {
  /** Identifies an item: a batch holds each key at most once. */
  key(item: I): string;
  /** Decides every item of a batch in one statement; results in the items' order. */
  many(items: I[]): Promise<R[]>;
  /** Decides one item alone: for a batch of one, and for each item of a batch that failed. */
  one(item: I): Promise<R>;
  /**
   * Whether a failed batch is retried item by item, so that one bad row fails alone. When
   * false (e.g. the database is unreachable) every caller gets the batch's error.
   */
  fallBack(error: unknown): boolean;
  /** How long the first item waits for company; 0 waits only for the current task to end. */
  windowMs?: number;
  /** Items per batch at most; the rest go into the next one. */
  maxSize?: number;
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

  constructor(private readonly options: BatcherOptions<I, R>) {}

  /** Queues one item; resolves with its own result once its batch is decided. */
  add(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.timer ??= setTimeout(() => this.flush(), this.options.windowMs ?? 0);
    });
  }

  private flush(): void {
    this.timer = undefined;
    const maxSize = this.options.maxSize ?? DEFAULT_MAX_SIZE;
    const batch: Waiter<I, R>[] = [];
    const later: Waiter<I, R>[] = [];
    const keys = new Set<string>();
    for (const waiter of this.queue) {
      const key = this.options.key(waiter.item);
      // A second call for the same key waits for the next batch: one statement cannot
      // decide a row twice, and the second call must see what the first one did.
      if (batch.length < maxSize && !keys.has(key)) {
        keys.add(key);
        batch.push(waiter);
      } else {
        later.push(waiter);
      }
    }
    this.queue = later;
    this.run(batch).finally(() => {
      if (this.queue.length > 0) this.timer ??= setTimeout(() => this.flush(), 0);
    });
  }

  private async run(batch: Waiter<I, R>[]): Promise<void> {
    const { many, one, fallBack } = this.options;
    if (batch.length === 1) {
      await one(batch[0].item).then(batch[0].resolve, batch[0].reject);
      return;
    }
    let results: R[];
    try {
      results = await many(batch.map((waiter) => waiter.item));
      if (results.length !== batch.length) {
        throw new Error(`batch of ${batch.length} returned ${results.length} results`);
      }
    } catch (error) {
      if (!fallBack(error)) {
        this.report(batch.length, "failed");
        for (const waiter of batch) waiter.reject(error);
        return;
      }
      this.report(batch.length, "fell_back");
      // All at once, so a slow or failing row delays none of the others.
      await Promise.all(
        batch.map((waiter) => one(waiter.item).then(waiter.resolve, waiter.reject)),
      );
      return;
    }
    this.report(batch.length, "ok");
    batch.forEach((waiter, index) => waiter.resolve(results[index]));
  }

  private report(size: number, outcome: BatchOutcome): void {
    try {
      this.options.onBatch?.(size, outcome);
    } catch {
      // A report (metrics) that fails must not leave the batch's callers waiting forever.
    }
  }
}
