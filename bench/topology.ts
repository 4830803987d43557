/**
 * End-to-end payouts/s of the service as several machines would run it next to one process
 * direct, in the same run: `deno task bench:topology [--payouts N] [--rounds N] [--clients N]`.
 *
 * - direct: one API process and 3 workers on Postgres and Redis directly (prepared
 *   statements and pipelining on, the defaults);
 * - topology: 3 API processes behind HAProxy (deploy/haproxy.cfg) and 3 workers, all on
 *   PgBouncer in transaction mode (prepared statements off, one query in flight per
 *   connection, as PgBouncer 1.18 needs); tests/helpers/topology.ts starts it.
 *
 * Each run gets a fresh database and streams; wrk creates `--payouts` payouts through the
 * run's origin while the workers complete them; the rate is completed payouts over first
 * creation to last completion. The sides alternate, first one then the other, so a machine
 * that grows busier favours neither. Prints a table and writes bench/topology_results.json.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { ApiKeyService } from "../src/apikeys/apikeys.service.ts";
import { createTestDatabase } from "../tests/helpers/database.ts";
import type { ChildProcess } from "../tests/helpers/processes.ts";
import { streamEnv, TEST_REDIS_URL, uniqueStreamNames } from "../tests/helpers/redis.ts";
import {
  spawnApis,
  spawnWorkers,
  startTopology,
  topologyUnavailable,
  waitForHealth,
} from "../tests/helpers/topology.ts";
import type { StreamNames } from "../src/queue/stream_names.ts";
import { Redis } from "ioredis";
import { anyUnfinished, completionStats, countByStatus } from "./bench.repository.ts";
import { median, round } from "./stats.ts";
import { columnTable, field } from "./table.ts";
import { waitUntil } from "./wait.ts";
import { SAMPLE_BODY } from "./workload.ts";
import { haveWrk, runWrkCreate } from "./wrk.ts";

type Side = "direct" | "topology";

interface Run {
  side: Side;
  round: number;
  payouts: number;
  payouts_per_s: number;
  create_rps: number;
  lag_p50_ms: number;
  lag_p99_ms: number;
  non_2xx: number;
}

const WORKERS = 3;
const START_TIMEOUT_MS = 120_000;
// Info logs one line per job: the benchmark measures the service, not its logging.
const ENV = { LOG_LEVEL: "warn" };
const progress = (message: string) => console.error(`bench:topology: ${message}`);

/** A running side: where clients send creates, its database, and how to stop it. */
interface Running {
  origin: string;
  sql: Awaited<ReturnType<typeof createTestDatabase>>["sql"];
  close(): Promise<void>;
}

/**
 * Waits until `count` workers read the stream (each is a consumer of the group): their
 * "worker started" line is an info log, which LOG_LEVEL=warn leaves out.
 */
async function waitForConsumers(names: StreamNames, count: number): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    await waitUntil(async () => {
      const consumers = await redis.xinfo("CONSUMERS", names.stream, names.group) as unknown[];
      return consumers.length >= count;
    }, { timeoutMs: START_TIMEOUT_MS, intervalMs: 200, message: `${count} workers to read` });
  } finally {
    redis.disconnect();
  }
}

async function startDirect(): Promise<Running> {
  const db = await createTestDatabase();
  const names = uniqueStreamNames();
  const env = { ...ENV, ...streamEnv(names), DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL };
  const children: ChildProcess[] = [];
  const close = async () => {
    await Promise.all(children.map((child) => child.stop("SIGKILL")));
    await db.drop();
  };
  try {
    const [api] = spawnApis(env, 1, children);
    await waitForHealth(api.origin, START_TIMEOUT_MS);
    spawnWorkers(env, WORKERS, "direct", children);
    await waitForConsumers(names, WORKERS);
    return { origin: api.origin, sql: db.sql, close };
  } catch (error) {
    await close();
    throw error;
  }
}

async function startSide(side: Side): Promise<Running> {
  if (side === "direct") return await startDirect();
  const topology = await startTopology({
    apis: 3,
    workers: 0,
    env: ENV,
    startTimeoutMs: START_TIMEOUT_MS,
  });
  try {
    topology.workers.push(...spawnWorkers(topology.env, WORKERS, "pooled", topology.children));
    await waitForConsumers(topology.names, WORKERS);
  } catch (error) {
    await topology.close();
    throw error;
  }
  return { origin: topology.origin, sql: topology.db.sql, close: topology.close };
}

async function measure(side: Side, roundNumber: number, payouts: number, clients: number) {
  const running = await startSide(side);
  try {
    const { key } = await new ApiKeyService(running.sql).create(`bench-${side}`);
    const wrk = await runWrkCreate({
      baseUrl: running.origin,
      body: SAMPLE_BODY,
      apiKey: key,
      connections: clients,
      threads: 2,
      total: payouts,
    }, async () => {
      await waitUntil(async () => {
        if (await anyUnfinished(running.sql)) return false;
        const counts = await countByStatus(running.sql);
        return (counts.completed ?? 0) + (counts.failed ?? 0) >= payouts;
      }, {
        timeoutMs: 120_000 + payouts * 20,
        intervalMs: 200,
        message: `${payouts} payouts to be created and completed (${side})`,
      });
    });
    const stats = await completionStats(running.sql);
    return {
      side,
      round: roundNumber,
      payouts: wrk.created,
      payouts_per_s: round(stats.completed / stats.spanS, 1),
      create_rps: round(wrk.created / stats.createSpanS, 1),
      lag_p50_ms: round(stats.lagP50Ms, 1),
      lag_p99_ms: round(stats.lagP99Ms, 1),
      non_2xx: wrk.non_2xx + wrk.socket_errors,
    } satisfies Run;
  } finally {
    await running.close();
  }
}

const { values } = parseArgs({
  options: {
    payouts: { type: "string", default: "3000" },
    rounds: { type: "string", default: "2" },
    clients: { type: "string", default: "64" },
    out: { type: "string", default: "bench/topology_results.json" },
  },
});
const payouts = Number(values.payouts);
const rounds = Number(values.rounds);
const clients = Number(values.clients);
if (![payouts, rounds, clients].every((n) => Number.isInteger(n) && n > 0)) {
  console.error("bench:topology: --payouts, --rounds and --clients must be positive integers");
  Deno.exit(2);
}
const missing = topologyUnavailable() ?? (await haveWrk() ? undefined : "wrk is not installed");
if (missing) {
  console.error(`bench:topology: ${missing}`);
  Deno.exit(1);
}

const runs: Run[] = [];
for (let r = 1; r <= rounds; r++) {
  const order: Side[] = r % 2 === 1 ? ["direct", "topology"] : ["topology", "direct"];
  for (const side of order) {
    progress(`round ${r}: ${side}, ${payouts} payouts, ${clients} clients`);
    const run = await measure(side, r, payouts, clients);
    progress(`  ${run.payouts_per_s} payouts/s end to end`);
    runs.push(run);
  }
}
const medianOf = (side: Side) =>
  median(runs.filter((run) => run.side === side).map((run) => run.payouts_per_s));
const summary = {
  direct_payouts_per_s: medianOf("direct"),
  topology_payouts_per_s: medianOf("topology"),
  topology_over_direct: round(medianOf("topology") / medianOf("direct"), 2),
};
console.log(columnTable<Run>([
  field("side", "side"),
  field("round", "round"),
  field("payouts", "payouts"),
  field("payouts/s end to end", "payouts_per_s"),
  field("creates/s", "create_rps"),
  field("lag p50 ms", "lag_p50_ms"),
  field("lag p99 ms", "lag_p99_ms"),
  field("non-2xx", "non_2xx"),
], runs));
console.log(JSON.stringify(summary));
await Deno.writeTextFile(
  values.out!,
  `${JSON.stringify({ at: new Date().toISOString(), payouts, clients, runs, summary }, null, 2)}\n`,
);
const failed = runs.some((run) => run.non_2xx > 0 || run.payouts !== payouts);
Deno.exit(failed ? 1 : 0);
