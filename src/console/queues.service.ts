/**
 * The console's queue page: dead letters and their requeueing (the same code as
 * `deno task queue requeue-dead`), and failing webhook deliveries with their retry (the
 * same rules as the API's retry).
 */
import type { Redis } from "ioredis";
import type { Db } from "../db/types.ts";
import { type DeadLetter, readDeadLetters } from "../queue/dead_letters.ts";
import { requeueDeadLetters, type RequeueOutcome } from "../queue/requeue_dead.ts";
import type { StreamNames } from "../queue/stream_names.ts";
import { listFailingDeliveries } from "../webhooks/webhook_deliveries.repository.ts";
import type { FailingDelivery } from "../webhooks/webhook_endpoint.ts";
import type { WebhookEndpointService } from "../webhooks/webhook_endpoints.service.ts";

export const QUEUE_PAGE_SIZE = 50;

export interface ConsoleQueueServiceDeps {
  sql: Db;
  redis: Redis;
  names: StreamNames;
  webhooks: WebhookEndpointService;
}

export class ConsoleQueueService {
  constructor(private readonly deps: ConsoleQueueServiceDeps) {}

  /** How many dead letters there are, and the newest of them. */
  deadLetters(): Promise<{ count: number; latest: DeadLetter[] }> {
    return readDeadLetters(this.deps.redis, this.deps.names, QUEUE_PAGE_SIZE);
  }

  /** Requeues one dead letter, or all of them when `id` is null. */
  requeue(id: string | null): Promise<RequeueOutcome[]> {
    return requeueDeadLetters(this.deps, id === null ? [] : [id]);
  }

  failingDeliveries(): Promise<FailingDelivery[]> {
    return listFailingDeliveries(this.deps.sql, QUEUE_PAGE_SIZE);
  }

  /** Makes a message due again now; NotFoundError or EndpointDisabledError otherwise. */
  async retryDelivery(endpointId: string, messageId: string): Promise<void> {
    await this.deps.webhooks.retry(endpointId, messageId);
  }
}
