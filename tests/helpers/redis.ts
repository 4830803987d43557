/** Per-test stream names and a Redis client; cleanup deletes every key the test made. */
import { Redis, type RedisOptions } from "ioredis";
import type { StreamNames } from "../../src/queue/stream_names.ts";

export const TEST_REDIS_URL = Deno.env.get("TEST_REDIS_URL") ?? "redis://127.0.0.1:6379/0";

export interface TestStreams {
  names: StreamNames;
  /** A client on the test Redis; closed by cleanup(). */
  redis: Redis;
  /** Deletes the streams and quits the client. */
  cleanup(): Promise<void>;
}

export function uniqueStreamNames(): StreamNames {
  const prefix = `test:${crypto.randomUUID().slice(0, 12)}`;
  return {
    stream: `${prefix}:jobs`,
    deadLetter: `${prefix}:dead`,
    group: `${prefix}:workers`,
  };
}

export function createTestStreams(url = TEST_REDIS_URL): TestStreams {
  const names = uniqueStreamNames();
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  return {
    names,
    redis,
    async cleanup() {
      await redis.del(names.stream, names.deadLetter).catch(() => {});
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** The env a worker or API child process needs to use these streams. */
export function streamEnv(names: StreamNames): Record<string, string> {
  return {
    STREAM_KEY: names.stream,
    DEAD_LETTER_STREAM_KEY: names.deadLetter,
    CONSUMER_GROUP: names.group,
  };
}

/** A client on a closed port, failing fast as the API's client does; `options` add to that. */
export function unreachableRedis(options: RedisOptions = {}): Redis {
  const down = new Redis("redis://127.0.0.1:1", {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    ...options,
  });
  down.on("error", () => {});
  return down;
}

/** The payout ids of the jobs on `stream`, oldest first. */
export async function streamPayoutIds(redis: Redis, stream: string): Promise<string[]> {
  const entries = await redis.xrange(stream, "-", "+");
  return entries.map(([, fields]) => fields[1]);
}

/**
 * Delivers up to `count` new entries of the stream to `consumer` of the group and leaves them
 * unacknowledged, as a worker that died after reading them would.
 */
export async function deliverWithoutAck(
  redis: Redis,
  names: Pick<StreamNames, "stream" | "group">,
  consumer: string,
  count: number,
): Promise<void> {
  await redis.xreadgroup(
    "GROUP",
    names.group,
    consumer,
    "COUNT",
    count,
    "STREAMS",
    names.stream,
    ">",
  );
}
