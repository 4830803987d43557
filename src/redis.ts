/** ioredis clients configured for each role; nothing connects until one is created. */
import { Redis } from "ioredis";
import type { Logger } from "./log.ts";

export interface RedisOptions {
  /** Shown in CLIENT LIST and in logs. */
  name: string;
  log: Logger;
  /**
   * Commands fail at once while disconnected instead of queueing, so callers can fall back
   * (the API answers without waiting for Redis).
   */
  failFast?: boolean;
  /** Client-side bound on any one command, so no call hangs forever after a reconnect. */
  commandTimeoutMs?: number;
}

/** Creates a client that reconnects forever with capped backoff and logs state changes. */
export function createRedis(url: string, options: RedisOptions): Redis {
  const redis = new Redis(url, {
    connectionName: options.name,
    lazyConnect: false,
    enableOfflineQueue: !options.failFast,
    maxRetriesPerRequest: options.failFast ? 0 : null,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 5), 2000),
  });
  let down = false;
  redis.on("error", (error: Error) => {
    if (down) return;
    down = true;
    options.log.warn("redis connection lost", { client: options.name, error: error.message });
  });
  redis.on("ready", () => {
    if (down) options.log.info("redis connection restored", { client: options.name });
    down = false;
  });
  return redis;
}
