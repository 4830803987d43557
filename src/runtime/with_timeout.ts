/** Bounding waits on dependencies, so a scrape answers even when Redis or Postgres hangs. */

export class TimeoutError extends Error {
  override name = "TimeoutError";
}

/**
 * Resolves like `promise`, or rejects with TimeoutError after `ms`. The work itself is not
 * cancelled; its late result is ignored.
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
