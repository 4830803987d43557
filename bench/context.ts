/** What every phase of the benchmark shares: its database, streams, key and settings. */
import type { Redis } from "ioredis";
import type { Config } from "../src/config.ts";
import type { BenchDatabase } from "./database.ts";
import type { BenchOptions } from "./options.ts";
import type { ServiceEnv, StreamNames } from "./services.ts";

export interface BenchContext {
  options: BenchOptions;
  /** Which version of the service this context measures: `head` or `baseline`. */
  side: SideName;
  /** Its checkout: the API, workers, migrations and seed run from here. */
  root: string;
  db: BenchDatabase;
  redisUrl: string;
  /** The benchmark's own Redis client (resets, consumer checks). */
  redis: Redis;
  /** The service's streams; raw runs use `${prefix}:raw:*`. */
  names: StreamNames;
  prefix: string;
  apiKey: string;
  actor: { name: string; apiKeyId: string };
  /** The configuration the API and workers run with (defaults plus --env). */
  config: Config;
  port: number;
  /** redis-server's pid, for its CPU share (undefined if Redis is not local). */
  redisPid: number | undefined;
}

/** HEAD is the working tree; the baseline, the revision given with --baseline. */
export type SideName = "head" | "baseline";

/** The environment for services at `logLevel`. */
export function serviceEnv(ctx: BenchContext, logLevel: string): ServiceEnv {
  return {
    root: ctx.root,
    databaseUrl: ctx.db.url,
    redisUrl: ctx.redisUrl,
    names: ctx.names,
    logLevel,
    extra: ctx.options.env,
  };
}

/** Stream names for the raw processing runs, apart from the service's. */
export function rawNames(ctx: BenchContext): StreamNames {
  return {
    stream: `${ctx.prefix}:raw:jobs`,
    deadLetter: `${ctx.prefix}:raw:dead`,
    group: `${ctx.prefix}:raw:workers`,
  };
}

/** What every wrk run of a phase shares: the API, the key, the threads and the duration. */
export function wrkBase(ctx: BenchContext, baseUrl: string) {
  return {
    baseUrl,
    apiKey: ctx.apiKey,
    threads: ctx.options.wrkThreads,
    durationS: ctx.options.durationS,
  };
}
