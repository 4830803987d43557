/** Starting and stopping the service under test: the API and worker processes. */
import type { Redis } from "ioredis";
import { type Child, spawnTask } from "./processes.ts";
import { peakRssMb } from "./proc_stats.ts";
import { waitUntil } from "./wait.ts";

/**
 * The job stream, dead-letter stream and consumer group a service is started with (its
 * STREAM_KEY, DEAD_LETTER_STREAM_KEY and CONSUMER_GROUP): names of the benchmark's own, so
 * runs never touch the service's default streams.
 */
export interface StreamNames {
  stream: string;
  deadLetter: string;
  group: string;
}

export interface ServiceEnv {
  /** The checkout whose entrypoints run (its deno.json tasks, from its directory). */
  root: string;
  databaseUrl: string;
  redisUrl: string;
  names: StreamNames;
  logLevel: string;
  /** Anything else to set (pool size, concurrency...), e.g. from --env flags. */
  extra: Record<string, string>;
}

function envFor(service: ServiceEnv): Record<string, string> {
  return {
    DATABASE_URL: service.databaseUrl,
    REDIS_URL: service.redisUrl,
    STREAM_KEY: service.names.stream,
    DEAD_LETTER_STREAM_KEY: service.names.deadLetter,
    CONSUMER_GROUP: service.names.group,
    LOG_LEVEL: service.logLevel,
    LOG_FORMAT: "json",
    // Several workers run side by side; their metrics servers would fight over one port.
    WORKER_METRICS_PORT: "0",
    // The webhook runs subscribe a receiver on this machine's loopback.
    WEBHOOK_ALLOW_HTTP: "true",
    WEBHOOK_ALLOW_PRIVATE: "true",
    ...service.extra,
  };
}

export interface RunningApi {
  child: Child;
  baseUrl: string;
}

/** Starts the API as `deno task start` runs it, on `port`; waits until /health/ answers 200. */
export async function startApi(service: ServiceEnv, port: number): Promise<RunningApi> {
  const child = spawnTask("api", "start", {
    cwd: service.root,
    env: { ...envFor(service), HOST: "127.0.0.1", PORT: String(port) },
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitUntil(async () => {
    const response = await fetch(`${baseUrl}/health/`);
    await response.body?.cancel();
    return response.status === 200;
  }, { timeoutMs: 30_000, message: "the API to answer /health/", child });
  return { child, baseUrl };
}

/** Starts `count` workers as `deno task worker` runs them; waits until each has joined the group. */
export async function startWorkers(
  service: ServiceEnv,
  redis: Redis,
  count: number,
): Promise<Child[]> {
  const workers = Array.from({ length: count }, (_, i) => {
    const name = `bench-worker-${i + 1}-${crypto.randomUUID().slice(0, 6)}`;
    return spawnTask(name, "worker", {
      cwd: service.root,
      env: { ...envFor(service), WORKER_NAME: name },
    });
  });
  // A consumer appears in the group with its first XREADGROUP: then it is reading jobs.
  await waitUntil(async () => {
    const consumers = await redis.xinfo("CONSUMERS", service.names.stream, service.names.group)
      .catch(() => []) as unknown[][];
    const names = new Set(consumers.map((fields) => String(fields[1])));
    return workers.every((worker) => names.has(worker.name));
  }, { timeoutMs: 30_000, message: "the workers to join the consumer group", child: workers[0] });
  return workers;
}

/**
 * Stops a service with SIGTERM (it finishes in-flight work) and returns its peak RSS,
 * read just before the signal. Fails unless it exits 0, as the contract requires.
 */
export async function stopService(child: Child): Promise<number> {
  const peak = (await peakRssMb(child.pid)) ?? 0;
  const status = await child.stop("SIGTERM", 30_000);
  if (status.code !== 0) {
    throw new Error(`${child.name} exited with ${status.signal ?? status.code}:\n${child.tail()}`);
  }
  return peak;
}
