/**
 * Periodic upkeep that any number of worker processes may run at once: publish stranded
 * outbox rows, re-enqueue payouts whose job Redis lost, trim acknowledged entries, and
 * remove consumers of workers that are gone.
 */
import type { Redis } from "ioredis";
import type { Pool } from "../db/types.ts";
import type { Logger } from "../log.ts";
import { relayOutboxOnce } from "../queue/outbox_relay.ts";
import type { StreamProducer } from "../queue/producer.ts";
import { reconcileOnce } from "../queue/reconciler.ts";
import { removeIdleConsumers, trimAcknowledged } from "../queue/stream_maintenance.ts";
import type { StreamNames } from "../queue/stream_names.ts";
import { sleep } from "../runtime/sleep.ts";

export interface MaintenanceOptions {
  names: StreamNames;
  consumer: string;
  intervalMs: number;
  relayDelayMs: number;
  reconcileStaleMs: number;
  consumerIdleDeleteMs: number;
}

export interface MaintenanceDeps {
  sql: Pool;
  redis: Redis;
  producer: StreamProducer;
  log: Logger;
  /** Extra chores, e.g. expiring idempotency records. */
  extraTasks?: { name: string; run: () => Promise<unknown> }[];
}

/** Runs every chore once; failures are logged and the others still run. */
export async function runMaintenanceOnce(deps: MaintenanceDeps, options: MaintenanceOptions) {
  const { sql, redis, producer, log } = deps;
  const { names } = options;
  const tasks = [
    { name: "outbox relay", run: () => relayOutboxOnce(sql, producer, options.relayDelayMs) },
    {
      name: "reconcile",
      run: () => reconcileOnce(sql, redis, names, producer, options.reconcileStaleMs),
    },
    { name: "trim stream", run: () => trimAcknowledged(redis, names) },
    {
      name: "remove idle consumers",
      run: () => removeIdleConsumers(redis, names, options.consumerIdleDeleteMs, options.consumer),
    },
    ...(deps.extraTasks ?? []),
  ];
  for (const task of tasks) {
    try {
      const result = await task.run();
      const count = Array.isArray(result) ? result.length : Number(result ?? 0);
      if (count > 0) log.info(`maintenance: ${task.name}`, { count });
    } catch (error) {
      log.warn(`maintenance: ${task.name} failed`, {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}

/** Runs maintenance every `intervalMs` until `signal` aborts. */
export async function runMaintenance(
  deps: MaintenanceDeps,
  options: MaintenanceOptions,
  signal: AbortSignal,
): Promise<void> {
  while (await sleep(options.intervalMs, signal)) {
    await runMaintenanceOnce(deps, options);
  }
}
