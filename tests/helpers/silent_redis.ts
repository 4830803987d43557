/**
 * A "Redis" that accepts connections and never answers, for proving that a caller bounds
 * its waits on Redis. Commands queue rather than fail fast, as they would on a live
 * connection whose server has hung.
 */
import { Redis } from "ioredis";
import { withTimeout } from "../../src/runtime/with_timeout.ts";

export interface SilentRedis {
  client: Redis;
  close(): Promise<void>;
}

export function startSilentRedis(): SilentRedis {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const connections: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) connections.push(conn);
  })();
  const client = new Redis(`redis://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`, {
    enableOfflineQueue: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on("error", () => {});
  return {
    client,
    async close() {
      client.disconnect();
      listener.close();
      await accepting.catch(() => {});
      for (const conn of connections) conn.close();
    },
  };
}

/**
 * Fails (instead of hanging the suite) when `promise` takes longer than `ms`: for tests
 * whose subject is a bound on waiting.
 */
export function withinDeadline<T>(promise: T | Promise<T>, ms = 15_000): Promise<T> {
  return withTimeout(Promise.resolve(promise), ms, "the call that should be bounded");
}
