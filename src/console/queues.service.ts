/**
 * The console's queue page: the queue's figures (the ops snapshot, as the overview, the
 * metrics and `deno task queue status` read them), dead letters and their requeueing (the
 * same code as `deno task queue requeue-dead`, audited as the operator), and failing
 * webhook deliveries with their retry (the same rules as the API's retry).
 */
import type { Redis } from "ioredis";
import type { Db } from "../db/types.ts";
import { type OpsSnapshot, readOpsSnapshot } from "../ops/snapshot.ts";
import { type DeadLetter, findDeadLetter, latestDeadLetters } from "../queue/dead_letters.ts";
import { requeueDeadLetters, type RequeueOutcome } from "../queue/requeue_dead.ts";
import type { StreamNames } from "../queue/stream_names.ts";
import { listFailingDeliveries } from "../webhooks/webhook_deliveries.repository.ts";
import type { FailingDelivery } from "../webhooks/webhook_endpoint.ts";
import type { WebhookEndpointService } from "../webhooks/webhook_endpoints.service.ts";
import { type ShownDeadLetter, withPermanence } from "./dead_letter_lookup.ts";
import { actorOf, type Operator } from "./operator.ts";

export const QUEUE_PAGE_SIZE = 50;

export interface ConsoleQueueServiceDeps {
  sql: Db;
  redis: Redis;
  names: StreamNames;
  webhooks: WebhookEndpointService;
  /** Bound on each source of the figures; 2 s unless set. */
  timeoutMs?: number;
}

/** The queue's figures with the newest dead letters (undefined while Redis is down). */
export type QueueFigures = OpsSnapshot<object, { latest: DeadLetter[] }>;

export class ConsoleQueueService {
  constructor(private readonly deps: ConsoleQueueServiceDeps) {}

  /** The figures and the newest dead letters, each source bounded and possibly missing. */
  async figures(): Promise<{ figures: QueueFigures; deadLetters: ShownDeadLetter[] }> {
    const figures = await readOpsSnapshot(this.deps, {
      timeoutMs: this.deps.timeoutMs ?? 2000,
      stream: async (redis, names) => ({
        latest: await latestDeadLetters(redis, names, QUEUE_PAGE_SIZE),
      }),
    });
    const latest = figures.stream?.latest ?? [];
    return { figures, deadLetters: await withPermanence(this.deps.sql, latest) };
  }

  /** One dead letter with its permanence; undefined when it is not (or no longer) there. */
  async deadLetter(id: string): Promise<ShownDeadLetter | undefined> {
    const entry = await findDeadLetter(this.deps.redis, this.deps.names, id);
    return entry ? (await withPermanence(this.deps.sql, [entry]))[0] : undefined;
  }

  /** Requeues one dead letter, or all of them when `id` is null, in the operator's name. */
  requeue(id: string | null, operator: Operator): Promise<RequeueOutcome[]> {
    return requeueDeadLetters(this.deps, id === null ? [] : [id], actorOf(operator).name);
  }

  failingDeliveries(): Promise<FailingDelivery[]> {
    return listFailingDeliveries(this.deps.sql, QUEUE_PAGE_SIZE);
  }

  /** Makes a message due again now; NotFoundError or EndpointDisabledError otherwise. */
  async retryDelivery(endpointId: string, messageId: string): Promise<void> {
    await this.deps.webhooks.retry(endpointId, messageId);
  }
}
