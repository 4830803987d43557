/** ioredis clients configured for each role; nothing connects until one is created. */
import { Redis, type RedisOptions as IORedisOptions } from "ioredis";
import type { Logger } from "./log.ts";

export interface SentinelAddress {
  host: string;
  port: number;
}

/** A master found through Redis Sentinel. */
export interface SentinelTarget {
  sentinels: SentinelAddress[];
  /** The master's name as the sentinels monitor it. */
  master: string;
  db: number;
  /** The master's (and replicas') password; empty: none. */
  password: string;
  /** The sentinels' own password; empty: none. */
  sentinelPassword: string;
}

/** A `redis://` or `rediss://` URL, or a master found through Sentinel. */
export type RedisTarget = string | SentinelTarget;

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

const backoff = (attempt: number) => Math.min(100 * 2 ** Math.min(attempt, 5), 2000);

/**
 * A write that reached a demoted master (a replica now) fails with READONLY: reconnect, which
 * through Sentinel finds the new master, and send the command again (2) — it was not run.
 */
export function reconnectOnReadOnly(error: Error): 2 | false {
  return error.message.startsWith("READONLY") ? 2 : false;
}

/**
 * Through Sentinel: ioredis asks the sentinels for the master, checks the role it connects
 * to (a replica is left for the next sentinel's answer), and asks again on every reconnect.
 * A failover always costs the connection: a dead master's drops, and Sentinel kills the
 * clients of a master it demotes; a write that gets in before that is READONLY, above.
 * ioredis' `failoverDetector` stays off: in 5.11 its disconnect, when it lands during a
 * reconnect attempt, ends the client for good ("Connection is closed", seen here after a
 * SIGKILL of the master).
 */
function sentinelOptions(target: SentinelTarget): IORedisOptions {
  return {
    sentinels: target.sentinels,
    name: target.master,
    db: target.db,
    password: target.password || undefined,
    sentinelPassword: target.sentinelPassword || undefined,
    sentinelRetryStrategy: backoff,
  };
}

/** Creates a client that reconnects forever with capped backoff and logs state changes. */
export function createRedis(target: RedisTarget, options: RedisOptions): Redis {
  const common: IORedisOptions = {
    connectionName: options.name,
    lazyConnect: false,
    enableOfflineQueue: !options.failFast,
    maxRetriesPerRequest: options.failFast ? 0 : null,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: 2000,
    retryStrategy: backoff,
    reconnectOnError: reconnectOnReadOnly,
  };
  const redis = typeof target === "string"
    ? new Redis(target, common)
    : new Redis({ ...common, ...sentinelOptions(target) });
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
