/**
 * How a loop retries through an outage of Postgres or Redis: quickly at first, then every
 * 5 s, with a log line for the first failure and every 20th after it, so that a long outage
 * shows in the log every minute or two instead of flooding it.
 */
import { sleep } from "./sleep.ts";

/** The waits after the 1st, 2nd, … consecutive failure; the last one repeats. */
export const OUTAGE_BACKOFF_MS: readonly number[] = [100, 250, 500, 1000, 2000, 5000];

const LOG_EVERY = 20;

/** Counts the consecutive failures of one thing and says how to log and wait after each. */
export class OutageRetry {
  private count = 0;

  constructor(private readonly backoffMs: readonly number[] = OUTAGE_BACKOFF_MS) {}

  /** Consecutive failures so far. */
  get failures(): number {
    return this.count;
  }

  /** Counts one more failure. */
  fail(): void {
    this.count++;
  }

  /** A success ends the run of failures. */
  reset(): void {
    this.count = 0;
  }

  /** Whether the latest failure is one to log: the first and every 20th. */
  get shouldLog(): boolean {
    return this.count === 1 || this.count % LOG_EVERY === 0;
  }

  /** The wait before the next try. */
  get delayMs(): number {
    const index = Math.min(Math.max(this.count, 1), this.backoffMs.length) - 1;
    return this.backoffMs[index];
  }

  /** Whether the next try, after its wait, still starts before `deadline` (performance.now()). */
  fitsBefore(deadline: number): boolean {
    return performance.now() + this.delayMs < deadline;
  }

  /** Waits before the next try; resolves false if `signal` cut the wait short. */
  wait(signal?: AbortSignal): Promise<boolean> {
    return sleep(this.delayMs, signal);
  }
}

/** An error's message, for a log field. */
export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
