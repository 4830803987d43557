/**
 * One version of the service set up for measuring: its checkout, its own database
 * migrated by its own migrations, an API key made by its own CLI, and streams of its own.
 */
import type { Redis } from "ioredis";
import type { Config } from "../src/config.ts";
import type { Checkout } from "./checkout.ts";
import type { BenchContext, SideName } from "./context.ts";
import { createBenchDatabase } from "./database.ts";
import type { BenchOptions } from "./options.ts";
import { runTask } from "./processes.ts";

/** What every side shares: the servers, the settings, the run's id. */
export interface SharedSetup {
  options: BenchOptions;
  serverUrl: string;
  redisUrl: string;
  redis: Redis;
  redisPid: number | undefined;
  /** The run's random hex id: in every database, stream and key name. */
  id: string;
  config: Config;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/**
 * Prepares `side` from `checkout`. `alone`: the only side of the run, whose database and
 * streams keep the names they have always had (`payouts_bench_<id>`, `bench:<id>:*`).
 */
export async function prepareSide(
  shared: SharedSetup,
  side: SideName,
  checkout: Checkout,
  alone: boolean,
): Promise<BenchContext> {
  const base = `bench:${shared.id}`;
  const prefix = alone ? base : `${base}:${side}`;
  const db = await createBenchDatabase(
    shared.serverUrl,
    side === "head" ? shared.id : `${shared.id}_${side}`,
    checkout.dir,
  );
  try {
    const keyName = `bench-${shared.id}`;
    // The side's own CLI makes the key, so its hashing and scopes are the ones it checks.
    const stdout = await runTask("apikey", ["create", keyName], {
      cwd: checkout.dir,
      env: { DATABASE_URL: db.url },
    });
    const key = stdout.trim().split("\n").at(-1) ?? "";
    const [row] = await db.sql<{ id: string }[]>`select id from api_keys where name = ${keyName}`;
    if (!key || !row) throw new Error(`apikey create in ${checkout.dir} printed no key`);
    return {
      options: shared.options,
      side,
      root: checkout.dir,
      db,
      redisUrl: shared.redisUrl,
      redis: shared.redis,
      names: {
        stream: `${prefix}:jobs`,
        deadLetter: `${prefix}:dead`,
        group: `${prefix}:workers`,
      },
      prefix,
      apiKey: key,
      actor: { name: `api:${keyName}`, apiKeyId: row.id },
      config: shared.config,
      port: freePort(),
      redisPid: shared.redisPid,
    };
  } catch (error) {
    await db.drop();
    throw error;
  }
}
