/**
 * Per-API-key rate limiting: a token bucket kept in Redis, so every API replica draws on
 * the same budget. While Redis is unreachable or slow the limiter lets requests through:
 * the API keeps serving and never waits on it for long.
 */
import type { MiddlewareHandler } from "hono";
import type { Redis } from "ioredis";
import type { Logger } from "../log.ts";
import { problem, sendProblem } from "./problem.ts";
import type { AppEnv } from "./request_context.ts";

export interface RateLimitOptions {
  /** Tokens added per second (may be fractional); the sustained rate. */
  rps: number;
  /** Bucket size: how many requests may come at once after a quiet spell. */
  burst: number;
  /** Longest wait for Redis before letting the request through. */
  timeoutMs?: number;
  /** Prefix of the bucket keys. */
  keyPrefix?: string;
  log?: Logger;
}

const COMMAND = "payoutsTokenBucket";
const WARN_EVERY_MS = 10_000;

// Atomic: read, refill, take and write happen in one script. Time comes from the Redis
// server, so replicas with skewed clocks still share one consistent bucket. The key
// expires once the bucket would be full again, so idle keys cost nothing.
const TOKEN_BUCKET = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
local allowed = 0
local wait_ms = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait_ms = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) * 1000 / rate) + 1000)
return {allowed, wait_ms}
`;

type BucketClient = Redis & {
  [COMMAND](key: string, rps: string, burst: string): Promise<[number, number]>;
};

/**
 * Middleware that answers 429 with `Retry-After` (whole seconds, at least 1) once the
 * calling API key has spent its bucket. Runs after authentication; requests without a key
 * pass. `redis` should fail fast (no offline queue) so an outage costs no waiting.
 */
export function rateLimit(redis: Redis, options: RateLimitOptions): MiddlewareHandler<AppEnv> {
  if (!(options.rps > 0) || !(options.burst >= 1)) {
    throw new RangeError("rate limit needs rps > 0 and burst >= 1");
  }
  const client = redis as BucketClient;
  if (typeof client[COMMAND] !== "function") {
    // EVALSHA with a fallback to EVAL when the server does not know the script yet.
    redis.defineCommand(COMMAND, { numberOfKeys: 1, lua: TOKEN_BUCKET });
  }
  const timeoutMs = options.timeoutMs ?? 250;
  const prefix = options.keyPrefix ?? "payouts:ratelimit:";
  let lastWarned = 0;

  return async (c, next) => {
    const apiKey = c.get("apiKey");
    if (!apiKey) return await next();
    let verdict: [number, number] | undefined;
    try {
      verdict = await withTimeout(
        client[COMMAND](prefix + apiKey.id, String(options.rps), String(options.burst)),
        timeoutMs,
      );
    } catch (error) {
      if (Date.now() - lastWarned > WARN_EVERY_MS) {
        lastWarned = Date.now();
        options.log?.warn("rate limiter unavailable; letting requests through", {
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    if (!verdict || verdict[0] === 1) return await next();
    const retryAfter = Math.max(1, Math.ceil(verdict[1] / 1000));
    return sendProblem(
      c,
      problem(
        429,
        "rate_limited",
        `Too many requests for this API key; retry after ${retryAfter} s.`,
      ),
      { "Retry-After": String(retryAfter) },
    );
  };
}

/** Settles like `promise`, or rejects after `ms`; the timer never outlives the call. */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The burst to use when RATE_LIMIT_BURST is 0: one second's worth, at least 1. */
export function defaultBurst(rps: number): number {
  return Math.max(1, Math.ceil(rps));
}
