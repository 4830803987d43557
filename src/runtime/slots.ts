/** A counting semaphore: how many jobs one worker process runs at once. */
export class Slots {
  private used = 0;
  private waiters: (() => void)[] = [];

  constructor(readonly size: number) {}

  get free(): number {
    return this.size - this.used;
  }

  /** Takes a slot that the caller knows is free (after `whenFree`). */
  take(): void {
    this.used++;
  }

  /** Waits for a free slot and takes it. */
  async acquire(): Promise<void> {
    while (this.free <= 0) await this.whenFree();
    this.used++;
  }

  release(): void {
    this.used--;
    // Wake everyone: each waiter re-checks, so an abandoned waiter never swallows a wake-up.
    const waiters = this.waiters.splice(0);
    for (const wake of waiters) wake();
  }

  /** Resolves once at least one slot is free. */
  whenFree(): Promise<void> {
    if (this.free > 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
