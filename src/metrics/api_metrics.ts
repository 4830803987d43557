/** The API process's metrics: HTTP traffic, payouts created, and the queue at scrape time. */
import type { Hono } from "hono";
import { Counter, Histogram, Registry } from "prom-client";
import type { AppEnv, RequestObserver } from "../http/request_context.ts";
import type { JobPublisher } from "../queue/publisher.ts";
import { registerHttpMetrics } from "./http_metrics.ts";
import { mountMetrics } from "./metrics_route.ts";
import { labelInstance, registerProcessMetrics } from "./process_metrics.ts";
import { type QueueSource, registerQueueGauges } from "./queue_gauges.ts";

export interface ApiMetrics {
  registry: Registry;
  /** For `buildApp({ observe })`. */
  observe: RequestObserver;
  /** Wraps the job publisher so that every created payout is counted once. */
  countCreated(publisher: JobPublisher): JobPublisher;
  /** Records the size of one batch of creates committed together (the create batcher's). */
  observeCreateBatch(size: number): void;
  /** For `buildApp({ extraRoutes })`: mounts `GET /metrics`. */
  mount(app: Hono<AppEnv>): void;
}

export interface ApiMetricsOptions {
  /** Bearer token for `/metrics`; empty = public. */
  token: string;
  /** Where the queue gauges read from; without it they are not registered. */
  queue?: QueueSource;
  /** The `instance` label on every metric (INSTANCE_NAME); none when empty or absent. */
  instance?: string;
}

/** Builds a fresh registry with the API's metrics; nothing is global. */
export function createApiMetrics(options: ApiMetricsOptions): ApiMetrics {
  const registry = new Registry();
  labelInstance(registry, options.instance);
  registerProcessMetrics(registry);
  const observe = registerHttpMetrics(registry);
  if (options.queue) registerQueueGauges(registry, options.queue);
  const created = new Counter({
    name: "payouts_created_total",
    help: "Payouts created (committed) by this process; idempotent replays not included.",
    registers: [registry],
  });
  const batchSizes = new Histogram({
    name: "payout_create_batch_size",
    help: "Payouts per create statement (group commit): one commit each, however many rows.",
    buckets: [1, 2, 4, 8, 16, 32, 64, 128],
    registers: [registry],
  });
  return {
    registry,
    observe,
    // The service publishes exactly once per committed payout, after the commit.
    countCreated: (publisher) => ({
      publishCreated(payoutId, outboxId) {
        created.inc();
        return publisher.publishCreated(payoutId, outboxId);
      },
      publishCreatedMany(jobs) {
        created.inc(jobs.length);
        return publisher.publishCreatedMany(jobs);
      },
    }),
    observeCreateBatch: (size) => batchSizes.observe(size),
    mount: (app) => mountMetrics(app, registry, options.token),
  };
}
