/**
 * The service's Redis clients through Sentinel (src/redis.ts with REDIS_SENTINELS) follow a
 * failover by themselves: writes after it land on the promoted replica.
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { parseConfig } from "../../src/config.ts";
import { silentLogger } from "../../src/log.ts";
import { createRedis } from "../../src/redis.ts";
import { sentinelMissing, startRedisSentinels } from "../helpers/redis_sentinel.ts";
import { waitFor } from "../helpers/wait.ts";

const skip = sentinelMissing("the Redis Sentinel client test");

/** What is stored under `key` on the instance at `port`, asked directly. */
async function valueOn(port: number, key: string): Promise<string | null> {
  const direct = new Redis({ port, host: "127.0.0.1", maxRetriesPerRequest: 1 });
  try {
    return await direct.get(key);
  } finally {
    direct.disconnect();
  }
}

Deno.test({
  name: "clients through Sentinel write to the promoted replica after a failover",
  ignore: skip,
  async fn(t) {
    const set = await startRedisSentinels();
    const target = parseConfig(set.env).redis;
    // As the worker's client (commands wait for the reconnect) and the API's (they fail fast).
    const waiting = createRedis(target, { name: "test:waiting", log: silentLogger });
    const failFast = createRedis(target, {
      name: "test:fail-fast",
      log: silentLogger,
      failFast: true,
      commandTimeoutMs: 1000,
    });
    const key = `test:sentinel:${crypto.randomUUID()}`;
    try {
      await waitFor(() => failFast.status === "ready", { message: "the fail-fast client" });
      assert.equal(await waiting.set(key, "before"), "OK");
      assert.equal(await valueOn(await set.masterPort(), key), "before");

      for (const how of ["sentinel", "kill"] as const) {
        await t.step(
          `after ${how === "kill" ? "SIGKILL of the master" : "SENTINEL FAILOVER"}`,
          async () => {
            const { from, to } = await set.failover(how);
            assert.notEqual(from, to);
            // Issued at once: it waits out the reconnect (and any READONLY from the old master).
            assert.equal(await waiting.set(key, `after ${how}`), "OK");
            assert.equal(await valueOn(to, key), `after ${how}`);
            // The fail-fast client may refuse while it reconnects, then writes to the new master.
            await waitFor(() => failFast.set(`${key}:fast`, how).then(() => true, () => false), {
              timeoutMs: 30_000,
              message: "the fail-fast client to write again",
            });
            assert.equal(await valueOn(to, `${key}:fast`), how);
            await set.waitUntilReady();
          },
        );
      }
    } finally {
      waiting.disconnect();
      failFast.disconnect();
      await set.stop();
    }
  },
});
