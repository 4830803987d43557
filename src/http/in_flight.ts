/**
 * Counts the requests the server is handling, so shutdown can wait for them before it calls
 * `server.shutdown()`: on Deno 2.9 that call makes the bodies of requests in flight
 * unreadable at once (denoland/deno#36809), which turns them into 500s.
 */
export class InFlightRequests {
  private count = 0;
  private readonly waiters = new Set<() => void>();

  /** Wraps a fetch handler so that every request is counted until it has its response. */
  track(handler: Deno.ServeHandler): Deno.ServeHandler {
    return async (request, info) => {
      this.count++;
      try {
        return await handler(request, info);
      } finally {
        this.count--;
        if (this.count === 0) [...this.waiters].forEach((wake) => wake());
      }
    };
  }

  /** Resolves true once no request is in flight, or false after `timeoutMs`. */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (drained: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve(drained);
      };
      const wake = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.waiters.add(wake);
    });
  }
}
