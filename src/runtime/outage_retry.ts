/**
 * How a loop retries through an outage of Postgres or Redis: quickly at first, then every
 * 0.5 s, so that work held through an outage resumes within a second of the dependency
 * coming back (a longer step once kept held jobs waiting 4 s after Postgres returned from
 * a 4.5 s outage); with a log line for the first failure and then at most one a minute, so
 * that a long outage shows in the log instead of flooding it.
 */
import { sleep } from "./sleep.ts";

/** The waits after the 1st, 2nd, … consecutive failure; the last one repeats. */
export const OUTAGE_BACKOFF_MS: readonly number[] = [100, 250, 500];

const LOG_EVERY_MS = 60_000;

/** Counts the consecutive failures of one thing and says how to log and wait after each. */
export class OutageRetry {
  private count = 0;
  private logNow = false;
  private loggedAt = 0;

  constructor(
    private readonly backoffMs: readonly number[] = OUTAGE_BACKOFF_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Consecutive failures so far. */
  get failures(): number {
    return this.count;
  }

  /** Counts one more failure. */
  fail(): void {
    this.count++;
    const now = this.now();
    this.logNow = this.count === 1 || now - this.loggedAt >= LOG_EVERY_MS;
    if (this.logNow) this.loggedAt = now;
  }

  /** A success ends the run of failures. */
  reset(): void {
    this.count = 0;
    this.logNow = false;
  }

  /** Whether the latest failure is one to log: the first, then one a minute at most. */
  get shouldLog(): boolean {
    return this.logNow;
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
