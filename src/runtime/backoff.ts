/** Exponential backoff with jitter: attempt 1 waits about `baseMs`, doubling up to `maxMs`. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random = Math.random) {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  // "Equal jitter": never less than half the ceiling, so retries still spread out.
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
