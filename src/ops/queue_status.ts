/**
 * What `deno task queue status` shows: the ops snapshot, plus each group's consumers and
 * oldest pending entry, the newest dead letters, payouts by status and the webhook
 * messages given up on. Unlike the metrics and the overview, the command answers with
 * everything or fails: a source that is down is its error, not a blank.
 */
import { countPayoutsByStatus } from "../payouts/payout_counts.repository.ts";
import { type DeadLetter, latestDeadLetters } from "../queue/dead_letters.ts";
import {
  type ConsumerInfo,
  type GroupInfo,
  type PendingSummary,
  readConsumers,
  readPendingSummary,
} from "../queue/stream_info.ts";
import type { StreamNames } from "../queue/stream_names.ts";
import { countFailedWebhookMessages, type WebhookBacklog } from "../webhooks/backlog.repository.ts";
import { type OpsSource, readOpsSnapshot } from "./snapshot.ts";

export interface QueueStatus {
  names: StreamNames;
  length: number;
  groups: (GroupInfo & { consumerList: ConsumerInfo[]; pendingSummary: PendingSummary })[];
  deadLetters: { count: number; latest: DeadLetter[] };
  outbox: { count: number; oldestAgeMs: number | null };
  payoutsByStatus: Record<string, number>;
  webhooks: WebhookBacklog & { failed: number };
}

export interface QueueStatusOptions {
  latestDeadLetters: number;
  /** Bound on each source; the counts scan their tables, hence more than a scrape's. */
  timeoutMs?: number;
}

/** Everything `deno task queue status` shows; rejects with the first source's failure. */
export async function readQueueStatus(
  source: OpsSource,
  options: QueueStatusOptions = { latestDeadLetters: 5 },
): Promise<QueueStatus> {
  const snapshot = await readOpsSnapshot(source, {
    timeoutMs: options.timeoutMs ?? 30_000,
    database: async (sql) => {
      const [payoutsByStatus, failedWebhooks] = await Promise.all([
        countPayoutsByStatus(sql),
        countFailedWebhookMessages(sql),
      ]);
      return { payoutsByStatus, failedWebhooks };
    },
    stream: async (redis, names, figures) => {
      const [detailed, latest] = await Promise.all([
        Promise.all(figures.groups.map(async (group) => ({
          ...group,
          consumerList: await readConsumers(redis, names.stream, group.name),
          pendingSummary: await readPendingSummary(redis, names.stream, group.name),
        }))),
        latestDeadLetters(redis, names, options.latestDeadLetters),
      ]);
      return { detailed, latest };
    },
  });
  const { database, stream } = snapshot;
  if (!database || !stream) throw snapshot.failures[0]?.error;
  return {
    names: source.names,
    length: stream.length,
    groups: stream.detailed,
    deadLetters: { count: stream.deadLetters, latest: stream.latest },
    outbox: database.outbox,
    payoutsByStatus: database.payoutsByStatus,
    webhooks: { ...database.webhooks, failed: database.failedWebhooks },
  };
}
