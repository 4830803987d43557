/**
 * The service as several machines would run it, on this machine's loopback: API processes
 * (main.ts) behind HAProxy, workers (worker.ts), all of them on Postgres through PgBouncer in
 * transaction mode, with a fresh test database (migrated on a direct connection) and streams
 * of their own. Everything is started on free ports with throwaway config, and `close()`
 * stops all of it, whatever state a failed test left it in.
 */
import type { Redis } from "ioredis";
import { parseConfig } from "../../src/config.ts";
import { silentLogger } from "../../src/log.ts";
import { createRedis } from "../../src/redis.ts";
import type { StreamNames } from "../../src/queue/stream_names.ts";
import { createTestDatabase, type TestDatabase } from "./database.ts";
import { type HaProxy, haproxyInstalled, startHaProxy } from "./haproxy.ts";
import { type PgBouncer, pgbouncerInstalled, startPgBouncer } from "./pgbouncer.ts";
import { type ChildProcess, freePort, spawnEntrypoint } from "./processes.ts";
import { streamEnv, TEST_REDIS_URL, uniqueStreamNames } from "./redis.ts";
import { waitFor } from "./wait.ts";

export interface TopologyOptions {
  /** API processes behind HAProxy (default 3). */
  apis?: number;
  /** Worker processes (default 3). */
  workers?: number;
  /** More environment for every API and worker process: tunables, REDIS_SENTINELS, … */
  env?: Record<string, string>;
  /**
   * The admin URL of the Postgres on loopback that the test database is made on (migrated
   * directly) and that PgBouncer fronts; default the shared test server.
   */
  postgresAdminUrl?: string;
  /**
   * REDIS_URL of every process (default the shared test Redis); `env` may override it, e.g.
   * with REDIS_SENTINELS and an empty REDIS_URL. The test's own client follows the same.
   */
  redisUrl?: string;
  /** Deadline for each process to come up (default 60 s: two shared, noisy cores). */
  startTimeoutMs?: number;
}

export interface ApiReplica {
  /** Its INSTANCE_NAME, `api-1`…, and its HAProxy server name `api1`…. */
  name: string;
  port: number;
  /** `http://127.0.0.1:<port>`: the replica itself, past HAProxy. */
  origin: string;
  child: ChildProcess;
}

export interface Topology {
  db: TestDatabase;
  names: StreamNames;
  /** A client on the topology's Redis, made as the service makes its own (Sentinel too). */
  redis: Redis;
  pgbouncer: PgBouncer;
  haproxy: HaProxy;
  /** `http://127.0.0.1:<haproxy port>`: where clients send requests. */
  origin: string;
  apis: ApiReplica[];
  workers: ChildProcess[];
  /** What every process got, besides its own PORT, INSTANCE_NAME or WORKER_NAME. */
  env: Record<string, string>;
  /** Every API and worker started, for `close()` and for failure messages. */
  children: ChildProcess[];
  /** The tails of every process's output, for failure messages. */
  describe(): string;
  /** Kills whatever still runs, drops the database and the streams. */
  close(): Promise<void>;
}

/** Why the topology cannot start here (a missing Debian package), or undefined. */
export function topologyUnavailable(): string | undefined {
  const missing = [
    ...(haproxyInstalled() ? [] : ["haproxy"]),
    ...(pgbouncerInstalled() ? [] : ["pgbouncer"]),
  ];
  return missing.length === 0
    ? undefined
    : `skipped: the Debian package(s) ${
      missing.join(", ")
    } are not installed (.ci/run installs them)`;
}

/** Starts the topology, runs `fn` on it and closes it afterwards, whatever happened. */
export async function withTopology(
  options: TopologyOptions,
  fn: (topology: Topology) => Promise<void>,
): Promise<void> {
  const topology = await startTopology(options);
  try {
    await fn(topology);
  } catch (error) {
    console.error(topology.describe());
    throw error;
  } finally {
    await topology.close();
  }
}

/** Starts PgBouncer, the APIs, HAProxy and the workers, each once the previous answers. */
export async function startTopology(options: TopologyOptions = {}): Promise<Topology> {
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const redisUrl = options.redisUrl ?? TEST_REDIS_URL;
  const db = await createTestDatabase({ adminUrl: options.postgresAdminUrl });
  const names = uniqueStreamNames();
  const redis = createRedis(parseConfig({ REDIS_URL: redisUrl, ...options.env }).redis, {
    name: "test:topology",
    log: silentLogger,
  });
  const children: ChildProcess[] = [];
  const tag = crypto.randomUUID().slice(0, 8);
  let pgbouncer: PgBouncer | undefined;
  let haproxy: HaProxy | undefined;
  const describe = () =>
    [
      ...children.map((child, i) => `--- process ${i}:\n${child.output().slice(-1500)}`),
      `--- pgbouncer:\n${pgbouncer?.output().slice(-1500) ?? ""}`,
      `--- haproxy:\n${haproxy?.output().slice(-1500) ?? ""}`,
    ].join("\n");
  const close = async () => {
    await Promise.all(children.map((child) => child.stop("SIGKILL")));
    await haproxy?.close();
    await pgbouncer?.close();
    await redis.del(names.stream, names.deadLetter).catch(() => {});
    await redis.quit().catch(() => redis.disconnect());
    await db.drop();
  };
  try {
    pgbouncer = await startPgBouncer(Number(new URL(db.url).port || 5432));
    const env: Record<string, string> = {
      ...streamEnv(names),
      REDIS_URL: redisUrl,
      DATABASE_URL: pgbouncer.urlOf(db.url),
      // PgBouncer 1.18 cannot keep prepared statements apart in transaction mode.
      DATABASE_PREPARE: "false",
      // … nor answers to queries pipelined behind one that ended a transaction.
      DATABASE_MAX_PIPELINE: "1",
      // LISTEN needs a session of its own: past the pooler.
      DATABASE_DIRECT_URL: db.url,
      ...options.env,
    };
    const apis = spawnApis(env, options.apis ?? 3, children);
    await Promise.all(apis.map((api) => waitForHealth(api.origin, timeoutMs)));
    haproxy = await startHaProxy(apis.map((api) => api.port));
    // HAProxy starts with every server up; wait until it has checked each of them anyway.
    await waitForHealth(haproxy.origin, timeoutMs);
    const workers = spawnWorkers(env, options.workers ?? 3, tag, children);
    await waitForWorkers(workers, timeoutMs);
    return {
      db,
      names,
      redis,
      pgbouncer,
      haproxy,
      origin: haproxy.origin,
      apis,
      workers,
      env,
      children,
      describe,
      close,
    };
  } catch (error) {
    console.error(describe());
    await close();
    throw error;
  }
}

/** Waits until `origin/health/` answers 200. */
export async function waitForHealth(origin: string, timeoutMs: number): Promise<void> {
  await waitFor(async () => {
    const response = await fetch(`${origin}/health/`);
    await response.body?.cancel();
    return response.status === 200;
  }, { timeoutMs, intervalMs: 200, message: `${origin}/health/ to answer 200` });
}

/** Starts `count` API processes (`api-1`…) on free ports with `env`; adds them to `children`. */
export function spawnApis(
  env: Record<string, string>,
  count: number,
  children: ChildProcess[] = [],
): ApiReplica[] {
  return Array.from({ length: count }, (_, i): ApiReplica => {
    const port = freePort();
    const name = `api-${i + 1}`;
    const child = spawnEntrypoint("main.ts", {
      ...env,
      HOST: "127.0.0.1",
      PORT: String(port),
      INSTANCE_NAME: name,
    });
    children.push(child);
    return { name, port, origin: `http://127.0.0.1:${port}`, child };
  });
}

/** Starts `count` workers (`worker-N-<tag>`) with `env`; adds them to `children`. */
export function spawnWorkers(
  env: Record<string, string>,
  count: number,
  tag: string,
  children: ChildProcess[] = [],
): ChildProcess[] {
  return Array.from({ length: count }, (_, i) => {
    const child = spawnEntrypoint("worker.ts", { ...env, WORKER_NAME: `worker-${i + 1}-${tag}` });
    children.push(child);
    return child;
  });
}

/** Waits until every worker has said it started. */
export async function waitForWorkers(workers: ChildProcess[], timeoutMs: number): Promise<void> {
  await Promise.all(
    workers.map((worker) =>
      waitFor(() => worker.output().includes("worker started"), {
        timeoutMs,
        message: `a worker to start\n${worker.output().slice(-1500)}`,
      })
    ),
  );
}
