/** When a failed webhook message is tried again, from the configured schedule. */

export type RetryDecision = { retry: true; delayMs: number } | { retry: false };

/** Spread of the jitter around each delay: ×0.8 to ×1.2. */
const JITTER = 0.2;

/**
 * What to do after attempt `attemptsMade` (1 for the first) failed. `schedule[i]` is the
 * delay before attempt i + 1, so the next delay is `schedule[attemptsMade]`, jittered so that
 * messages that failed together do not all come back in the same instant; past the end of
 * the schedule the message is given up.
 */
export function nextRetry(
  schedule: readonly number[],
  attemptsMade: number,
  random: () => number = Math.random,
): RetryDecision {
  if (attemptsMade >= schedule.length) return { retry: false };
  const base = schedule[Math.max(0, attemptsMade)];
  const factor = 1 - JITTER + 2 * JITTER * random();
  return { retry: true, delayMs: Math.max(0, Math.round(base * factor)) };
}
