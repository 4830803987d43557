/**
 * The service's Redis clients (src/redis.ts) follow a failover by themselves: through
 * Sentinel (REDIS_SENTINELS) writes after it land on the promoted replica, and a write that
 * a demoted master refuses (READONLY) is sent again after a reconnect instead of failing.
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { parseConfig } from "../../src/config.ts";
import { silentLogger } from "../../src/log.ts";
import { createRedis } from "../../src/redis.ts";
import { sentinelMissing, startRedisSentinels } from "../helpers/redis_sentinel.ts";
import { startRedisServer } from "../helpers/redis_server.ts";
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
            // The old master now replicates the new one: the next failover can promote it.
            if (how === "sentinel") await set.waitUntilReady();
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

Deno.test("a write refused READONLY is sent again after a reconnect, not failed", async () => {
  const [demoted, other] = await Promise.all([startRedisServer(), startRedisServer()]);
  const client = createRedis(demoted.url, { name: "test:readonly", log: silentLogger });
  const admin = new Redis(demoted.url, { maxRetriesPerRequest: 1 });
  try {
    assert.equal(await client.set("test:readonly", "before"), "OK");
    // A master turned replica keeps its clients' connections: their writes get READONLY.
    await admin.replicaof("127.0.0.1", other.port);
    await waitFor(async () => (await admin.role())[0] === "slave", { message: "the demotion" });
    let settled = false;
    const write = client.set("test:readonly", "after").finally(() => settled = true);
    await waitFor(async () => /READONLY/.test(await admin.info("errorstats")), {
      message: "the write to be refused READONLY",
    });
    assert.equal(settled, false, "the refused write waits for a master");
    await admin.replicaof("NO", "ONE");
    assert.equal(await write, "OK");
    assert.equal(await admin.get("test:readonly"), "after");
  } finally {
    client.disconnect();
    admin.disconnect();
    await Promise.all([demoted.close(), other.close()]);
  }
});
