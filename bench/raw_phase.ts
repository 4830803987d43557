/**
 * Phase 3: the raw limits. The database and Redis work of a POST and of a worker job,
 * issued by separate processes straight through postgres.js and ioredis with the services'
 * pool sizes and concurrency, to show what the service could reach without HTTP,
 * validation, auth, logging and the worker runtime.
 */
import { backendPids, truncatePayouts } from "./bench.repository.ts";
import { READY, RESULT } from "./child_io.ts";
import { type BenchContext, rawNames } from "./context.ts";
import { type Child, expectSuccess, spawnDeno } from "./processes.ts";
import { CpuMeter, cpuPercent, type CpuReading, sumPercent } from "./proc_stats.ts";
import type { RawCreateResult, RawCreateSettings } from "./raw_create.ts";
import type { RawProcessResult, RawProcessSettings } from "./raw_process.ts";
import { round } from "./stats.ts";

export interface RawCreateRun {
  connections: number;
  round: number;
  ops: number;
  rps: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  errors: number;
  cpu_pct: number;
  postgres_cpu_pct: number;
  machine_cpu_pct: number;
}

export interface RawProcessingRun {
  processes: number;
  round: number;
  concurrency_per_process: number;
  payouts: number;
  seconds: number;
  per_s: number;
  job_p50_ms: number;
  job_p99_ms: number;
  errors: number;
  cpu_pct: number;
  postgres_cpu_pct: number;
  machine_cpu_pct: number;
}

const START_TIMEOUT_MS = 30_000;
/** The children's scripts, beside this file wherever the benchmark is run from. */
const RAW_CREATE = new URL("./raw_create.ts", import.meta.url).pathname;
const RAW_PROCESS = new URL("./raw_process.ts", import.meta.url).pathname;

/**
 * Starts children, waits until all are warmed up, starts them together, collects results.
 * Meters the database's server processes (the children's pools are open by then) and the
 * machine from the go to the last result.
 */
async function runTogether<T>(
  ctx: BenchContext,
  children: Child[],
  timeoutMs: number,
): Promise<{ results: T[]; postgres_cpu_pct: number; machine_cpu_pct: number }> {
  try {
    await Promise.all(children.map((child) => child.line(READY, START_TIMEOUT_MS)));
    const backends = await backendPids(ctx.db.sql);
    const meter = await CpuMeter.start(backends);
    await Promise.all(children.map((child) => child.send("go\n")));
    const results = await Promise.all(
      children.map(async (child) => JSON.parse(await child.line(RESULT, timeoutMs)) as T),
    );
    const cpu: CpuReading = await meter.stop();
    await Promise.all(children.map((child) => child.send("done\n")));
    await Promise.all(children.map(expectSuccess));
    return {
      results,
      postgres_cpu_pct: sumPercent(cpu, backends),
      machine_cpu_pct: cpu.machine,
    };
  } catch (error) {
    await Promise.all(children.map((child) => child.stop("SIGKILL")));
    throw error;
  }
}

function rawCreateSettings(
  ctx: BenchContext,
  stream: string,
): Omit<RawCreateSettings, "concurrency"> {
  return {
    databaseUrl: ctx.db.url,
    redisUrl: ctx.redisUrl,
    stream,
    poolSize: ctx.config.DATABASE_POOL_SIZE,
    actor: ctx.actor,
  };
}

/** The raw create rate at `connections` concurrent loops for the scenario duration. */
export async function runRawCreate(
  ctx: BenchContext,
  connections: number,
  roundNumber: number,
): Promise<RawCreateRun> {
  const settings: RawCreateSettings = {
    ...rawCreateSettings(ctx, rawNames(ctx).stream),
    concurrency: connections,
    durationS: ctx.options.durationS,
  };
  const child = spawnDeno("raw-create", RAW_CREATE, [
    JSON.stringify(settings),
  ], {
    stdin: true,
  });
  const { results: [result], ...cpu } = await runTogether<RawCreateResult>(
    ctx,
    [child],
    (ctx.options.durationS + 60) * 1000,
  );
  if (result.errors > 0) throw new Error(`raw create: ${result.errors} operations failed`);
  return {
    connections,
    round: roundNumber,
    ops: result.ops,
    rps: round(result.ops / result.seconds, 1),
    ...result.latenciesMs,
    errors: result.errors,
    cpu_pct: cpuPercent(result.cpuTicks, result.seconds),
    ...cpu,
  };
}

/**
 * The raw processing rate of `processes` processes: `--payouts` pending payouts and their
 * stream entries are written first (untimed), then all processes drain the stream at once.
 */
export async function runRawProcessing(
  ctx: BenchContext,
  processes: number,
  roundNumber: number,
): Promise<RawProcessingRun> {
  const names = rawNames(ctx);
  const { config } = ctx;
  await truncatePayouts(ctx.db.sql);
  await ctx.redis.del(names.stream);
  const seeder = spawnDeno("raw-seed", RAW_CREATE, [
    JSON.stringify(
      {
        ...rawCreateSettings(ctx, names.stream),
        concurrency: 16,
        count: ctx.options.payouts,
      } satisfies RawCreateSettings,
    ),
  ], { stdin: true });
  const { results: [seeded] } = await runTogether<RawCreateResult>(ctx, [seeder], 600_000);
  if (seeded.ops !== ctx.options.payouts) throw new Error(`seeded only ${seeded.ops} payouts`);

  const children = Array.from({ length: processes }, (_, i) => {
    const settings: RawProcessSettings = {
      databaseUrl: ctx.db.url,
      redisUrl: ctx.redisUrl,
      names,
      consumer: `raw-${i + 1}`,
      poolSize: config.DATABASE_POOL_SIZE,
      concurrency: config.WORKER_CONCURRENCY,
      batchSize: config.WORKER_BATCH_SIZE,
      latencyMs: config.PROVIDER_LATENCY_MS,
      leaseMs: config.CLAIM_IDLE_MS,
    };
    return spawnDeno(
      `raw-process-${i + 1}`,
      RAW_PROCESS,
      [
        JSON.stringify(settings),
      ],
      { stdin: true },
    );
  });
  const { results, ...cpu } = await runTogether<RawProcessResult>(ctx, children, 600_000);
  const processed = results.reduce((sum, r) => sum + r.processed, 0);
  const errors = results.reduce((sum, r) => sum + r.errors, 0);
  if (errors > 0 || processed !== ctx.options.payouts) {
    throw new Error(`raw processing: ${processed} processed, ${errors} failed`);
  }
  const seconds = (Math.max(...results.map((r) => r.finishedAt)) -
    Math.min(...results.map((r) => r.startedAt))) / 1000;
  const ticks = results.reduce((sum, r) => sum + r.cpuTicks, 0);
  // Per-process latency summaries cannot be merged exactly; the slowest process stands for all.
  return {
    processes,
    round: roundNumber,
    concurrency_per_process: config.WORKER_CONCURRENCY,
    payouts: processed,
    seconds: round(seconds, 2),
    per_s: round(processed / seconds, 1),
    job_p50_ms: Math.max(...results.map((r) => r.latenciesMs.p50_ms)),
    job_p99_ms: Math.max(...results.map((r) => r.latenciesMs.p99_ms)),
    errors,
    cpu_pct: cpuPercent(ticks, seconds),
    ...cpu,
  };
}
