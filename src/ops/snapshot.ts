/**
 * One bounded snapshot of the queue, shared by the metrics scrape, the console's overview
 * and `deno task queue status`, so the three show the same figures read the same way: the
 * stream's length, its consumer groups (the workers' pending and lag) and the dead letters
 * (Redis); the outbox and the webhook backlog (Postgres).
 *
 * Those figures cost a few O(1) Redis commands and two reads of small partial indexes,
 * cheap enough for every scrape. A caller that wants more (payouts by status, the newest
 * dead letters) adds its own reads to a source's, under the same bound. Each source is
 * bounded by a timeout and read apart from the other: one that fails or is slow is left
 * out, with its error, and the other's figures still come back.
 *
 * Above queue, webhooks and payouts, whose reads it combines; none of them imports it.
 */
import type { Redis } from "ioredis";
import type { Db } from "../db/types.ts";
import { outboxBacklog } from "../queue/outbox.repository.ts";
import { type GroupInfo, readGroups } from "../queue/stream_info.ts";
import type { StreamNames } from "../queue/stream_names.ts";
import { type WebhookBacklog, webhookBacklog } from "../webhooks/backlog.repository.ts";
import { withTimeout } from "../runtime/with_timeout.ts";

export interface OpsSource {
  sql: Db;
  redis: Redis;
  names: StreamNames;
}

/** The Postgres side: jobs committed but not yet in the stream, webhooks not yet delivered. */
export interface DatabaseFigures {
  outbox: { count: number; oldestAgeMs: number | null };
  webhooks: WebhookBacklog;
}

/** The Redis side. */
export interface StreamFigures {
  length: number;
  deadLetters: number;
  /** Every consumer group of the stream; none before the stream exists. */
  groups: GroupInfo[];
  /** The workers' group; undefined until a worker has created it. */
  group: GroupInfo | undefined;
}

export type OpsSourceName = "postgres" | "redis";

/** The figures of each source that answered in time, plus what the caller added to them. */
export interface OpsSnapshot<D extends object = object, S extends object = object> {
  /** When the reads ended. */
  at: Date;
  /** Undefined when Postgres failed or did not answer in time. */
  database: (DatabaseFigures & D) | undefined;
  /** Undefined when Redis failed or did not answer in time. */
  stream: (StreamFigures & S) | undefined;
  /** Why each missing source is missing. */
  failures: { source: OpsSourceName; error: unknown }[];
}

export interface SnapshotOptions<D extends object, S extends object> {
  /** Bound on each source's reads, the caller's own included. */
  timeoutMs: number;
  /** More Postgres figures, read alongside the common ones. */
  database?: (sql: Db) => Promise<D>;
  /** More Redis figures, read once the common ones are in (e.g. each group's consumers). */
  stream?: (redis: Redis, names: StreamNames, figures: StreamFigures) => Promise<S>;
}

/** Reads both sources at once, each within `options.timeoutMs`. */
export async function readOpsSnapshot<D extends object = object, S extends object = object>(
  source: OpsSource,
  options: SnapshotOptions<D, S>,
): Promise<OpsSnapshot<D, S>> {
  const { sql, redis, names } = source;
  const failures: OpsSnapshot["failures"] = [];
  const bounded = <T>(name: OpsSourceName, read: () => Promise<T>) =>
    withTimeout(read(), options.timeoutMs, name).catch((error: unknown) => {
      failures.push({ source: name, error });
      return undefined;
    });

  const [database, stream] = await Promise.all([
    bounded("postgres", async (): Promise<DatabaseFigures & D> => {
      const [outbox, webhooks, more] = await Promise.all([
        outboxBacklog(sql),
        webhookBacklog(sql),
        options.database?.(sql),
      ]);
      return { ...more as D, outbox, webhooks };
    }),
    bounded("redis", async (): Promise<StreamFigures & S> => {
      const [length, deadLetters, groups] = await Promise.all([
        redis.xlen(names.stream),
        redis.xlen(names.deadLetter),
        readGroups(redis, names),
      ]);
      const figures = {
        length,
        deadLetters,
        groups,
        group: groups.find((group) => group.name === names.group),
      };
      const more = await options.stream?.(redis, names, figures);
      return { ...more as S, ...figures };
    }),
  ]);
  return { at: new Date(), database, stream, failures };
}
