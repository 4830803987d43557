/**
 * The numbers the console's overview shows, read as one snapshot. Each source (Postgres,
 * Redis) is bounded by a short timeout and may be missing, so the overview still answers,
 * saying which source is down, while Redis or Postgres is.
 */
import type { Redis } from "ioredis";
import type { Db } from "../db/types.ts";
import { outboxBacklog } from "../queue/outbox.repository.ts";
import { countPayoutsByStatus } from "../queue/queue_status.repository.ts";
import { type GroupInfo, readGroups } from "../queue/stream_info.ts";
import type { StreamNames } from "../queue/stream_names.ts";
import { type WebhookBacklog, webhookBacklog } from "../webhooks/backlog.repository.ts";
import { withTimeout } from "../runtime/with_timeout.ts";
import { type MinuteCounts, throughputPerMinute } from "./console_overview.repository.ts";

export const CHART_MINUTES = 60;

export interface DatabaseSnapshot {
  payoutsByStatus: Record<string, number>;
  perMinute: MinuteCounts[];
  outbox: { count: number; oldestAgeMs: number | null };
  webhooks: WebhookBacklog;
}

export interface StreamSnapshot {
  length: number;
  deadLetters: number;
  /** The workers' consumer group; undefined until a worker has created it. */
  group: GroupInfo | undefined;
}

export interface Overview {
  at: Date;
  /** Undefined when Postgres did not answer in time. */
  database: DatabaseSnapshot | undefined;
  /** Undefined when Redis did not answer in time. */
  stream: StreamSnapshot | undefined;
}

export interface OverviewDeps {
  sql: Db;
  redis: Redis;
  names: StreamNames;
  /** Bound on each source; 2 s unless set. */
  timeoutMs?: number;
}

export class ConsoleOverviewService {
  constructor(private readonly deps: OverviewDeps) {}

  /** One snapshot of both sources, each left out if it fails or is slow. */
  async read(): Promise<Overview> {
    const timeoutMs = this.deps.timeoutMs ?? 2000;
    const [database, stream] = await Promise.all([
      withTimeout(this.readDatabase(), timeoutMs, "postgres").catch(() => undefined),
      withTimeout(this.readStream(), timeoutMs, "redis").catch(() => undefined),
    ]);
    return { at: new Date(), database, stream };
  }

  private async readDatabase(): Promise<DatabaseSnapshot> {
    const { sql } = this.deps;
    const [payoutsByStatus, perMinute, outbox, webhooks] = await Promise.all([
      countPayoutsByStatus(sql),
      throughputPerMinute(sql, CHART_MINUTES),
      outboxBacklog(sql),
      webhookBacklog(sql),
    ]);
    return { payoutsByStatus, perMinute, outbox, webhooks };
  }

  private async readStream(): Promise<StreamSnapshot> {
    const { redis, names } = this.deps;
    const [length, deadLetters, groups] = await Promise.all([
      redis.xlen(names.stream),
      redis.xlen(names.deadLetter),
      readGroups(redis, names),
    ]);
    return { length, deadLetters, group: groups.find((group) => group.name === names.group) };
  }
}
