/**
 * The benchmark: `deno task bench [--help]`.
 *
 * Against the real Postgres and Redis of this machine, in a database and streams of its
 * own, it measures the API under wrk, the end-to-end path with 1 and 2 workers, and the
 * raw limits of the same database and Redis work without the service around it; prints
 * tables and writes bench/results.json. With `--baseline REV` it instead measures REV (in
 * a temporary worktree) and HEAD in alternating rounds and reports HEAD ÷ baseline, plus
 * each side open loop at half its peak; `--growth` adds reads at 10,000 and 1,000,000
 * payouts (on by default with a baseline). Exits 1 if anything failed (a non-2xx answer, a
 * payout not completed, a process that did not exit cleanly), 0 otherwise: missed
 * performance targets are reported, not fatal.
 *
 * @module
 */
import { dirname } from "node:path";
import { parseConfig } from "../src/config.ts";
import { runAlternating } from "./ab_phase.ts";
import { runApiPhase } from "./api_phase.ts";
import { type Checkout, checkoutRevision, workingTree } from "./checkout.ts";
import { compareSides, comparisonTargets, growthRatios, growthTargets } from "./comparison.ts";
import { type BenchContext, rawNames, serviceEnv, type SideName } from "./context.ts";
import { dropRunDatabases } from "./database.ts";
import { runGrowth } from "./growth_phase.ts";
import { prepareSide, type SharedSetup } from "./side.ts";
import { type EndToEndRun, runEndToEnd } from "./e2e_phase.ts";
import { type BenchOptions, parseOptions, USAGE } from "./options.ts";
import { killAll } from "./processes.ts";
import { CpuMeter, machineInfo } from "./proc_stats.ts";
import {
  type RawCreateRun,
  type RawProcessingRun,
  runRawCreate,
  runRawProcessing,
} from "./raw_phase.ts";
import { computeRatios, computeTargets } from "./raw_ratios.ts";
import { formatTables } from "./report.ts";
import { type BenchResults, findProblems, type Measurements } from "./results.ts";
import type { Target } from "./target.ts";
import { startApi, stopService } from "./services.ts";
import { Redis } from "ioredis";
import { haveWrk } from "./wrk.ts";
import type { ApiScenario } from "./api_phase.ts";

const BACKGROUND_SAMPLE_MS = 2000;

const progress = (message: string) => console.error(`bench: ${message}`);

/** redis-server's pid when it runs on this machine (its CPU is then measurable). */
async function redisPid(redis: Redis, url: string): Promise<number | undefined> {
  const host = new URL(url).hostname;
  if (!["127.0.0.1", "localhost", "::1", "[::1]"].includes(host)) return undefined;
  const info = await redis.info("server");
  const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

async function serverVersions(ctx: BenchContext): Promise<{ postgres: string; redis: string }> {
  const [{ server_version: version }] = await ctx.db.sql<
    { server_version: string }[]
  >`show server_version`;
  const info = await ctx.redis.info("server");
  return { postgres: version, redis: /redis_version:(\S+)/.exec(info)?.[1] ?? "unknown" };
}

async function measureAll(ctx: BenchContext): Promise<Measurements> {
  const { options } = ctx;
  const api: ApiScenario[] = [];
  const rawCreate: RawCreateRun[] = [];
  let apiPeak = 0;
  for (const [index, level] of options.logLevels.entries()) {
    progress(`API scenarios, LOG_LEVEL=${level}`);
    // The POST/raw create pairs behind the target run in rounds at the first level only.
    const rounds = index === 0 ? options.rounds : 1;
    const phase = await runApiPhase(
      ctx,
      level,
      (s) =>
        progress(
          `  ${s.endpoint} ×${s.connections}${
            rounds > 1 && s.endpoint.startsWith("POST") ? ` (round ${s.round})` : ""
          }: ` +
            `${s.rps} req/s, p99 ${s.p99_ms} ms, ` +
            `non-2xx ${s.non_2xx}, API CPU ${s.api_cpu_pct}%, wrk CPU ${s.loadgen_cpu_pct}%`,
        ),
      rounds,
      async (connections, round) => {
        if (index > 0) return;
        const run = await runRawCreate(ctx, connections, round);
        progress(`  raw create ×${connections}: ${run.rps} ops/s, p99 ${run.p99_ms} ms`);
        rawCreate.push(run);
      },
    );
    api.push(...phase.scenarios);
    apiPeak = Math.max(apiPeak, phase.peakRssMb);
  }
  await ctx.redis.del(rawNames(ctx).stream);

  const level = options.logLevels[0];
  const endToEnd: EndToEndRun[] = [];
  const rawProcessing: RawProcessingRun[] = [];
  let workerPeak = 0;
  const running = await startApi(serviceEnv(ctx, level), ctx.port);
  try {
    // Each end-to-end run is followed at once by its raw counterpart (same background load).
    for (let round = 1; round <= options.rounds; round++) {
      for (const workers of options.workers) {
        progress(
          `end to end: ${options.payouts} payouts, ${workers} worker(s), round ${round}`,
        );
        const run = await runEndToEnd(ctx, running, workers, level, round);
        progress(
          `  ${run.payouts_per_s} payouts/s, lag p50 ${run.lag_p50_ms} ms, ` +
            `p99 ${run.lag_p99_ms} ms, max ${run.lag_max_ms} ms`,
        );
        endToEnd.push(run);
        workerPeak = Math.max(workerPeak, run.worker_peak_rss_mb);
        const raw = await runRawProcessing(ctx, workers, round);
        progress(`  raw processing, ${workers} process(es): ${raw.per_s} payouts/s`);
        rawProcessing.push(raw);
      }
      if (options.webhooks) {
        const workers = Math.max(...options.workers);
        progress(`end to end with a webhook endpoint: ${workers} worker(s), round ${round}`);
        const run = await runEndToEnd(ctx, running, workers, level, round, true);
        progress(
          `  ${run.payouts_per_s} payouts/s, ${run.webhooks_delivered} webhooks delivered, ` +
            `the last ${run.webhook_seconds} s after the first creation, ` +
            `delivery lag p99 ${run.webhook_lag_p99_ms} ms`,
        );
        endToEnd.push(run);
        workerPeak = Math.max(workerPeak, run.worker_peak_rss_mb);
      }
    }
  } catch (error) {
    await running.child.stop("SIGKILL");
    throw error;
  }
  apiPeak = Math.max(apiPeak, await stopService(running.child));
  return {
    api,
    raw_create: rawCreate,
    end_to_end: endToEnd,
    raw_processing: rawProcessing,
    memory: { api_peak_rss_mb: apiPeak, worker_peak_rss_mb: workerPeak },
  };
}

async function bench(options: BenchOptions): Promise<BenchResults> {
  const startedAt = new Date();
  const started = performance.now();
  const serverUrl = Deno.env.get("DATABASE_URL") || "postgres://postgres@127.0.0.1:5432/payouts";
  const redisUrl = Deno.env.get("REDIS_URL") || "redis://127.0.0.1:6379/0";
  const id = Array.from(
    crypto.getRandomValues(new Uint8Array(6)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  const sides: Partial<Record<SideName, BenchContext>> = {};
  let baseline: Checkout | undefined;

  const cleanUp = async () => {
    await killAll();
    const keys = await redis.keys(`bench:${id}:*`).catch(() => []);
    if (keys.length > 0) await redis.del(...keys).catch(() => {});
    redis.disconnect();
    for (const ctx of Object.values(sides)) await ctx.db.drop().catch(() => {});
    // The growth phase's own databases, if it was interrupted.
    await dropRunDatabases(serverUrl, id).catch(() => {});
    await baseline?.remove();
  };
  const interrupted = async () => {
    progress("interrupted; cleaning up");
    await cleanUp().catch(() => {});
    Deno.exit(130);
  };
  Deno.addSignalListener("SIGINT", interrupted);
  Deno.addSignalListener("SIGTERM", interrupted);

  try {
    await redis.connect();
    const head = await workingTree();
    if (options.baseline) {
      progress(`checking out ${options.baseline} and installing its dependencies`);
      baseline = await checkoutRevision(options.baseline);
      progress(`baseline ${baseline.commit.slice(0, 12)} in ${baseline.dir}`);
    }
    // What the services will run with, so the raw runs use the same pool and concurrency.
    const env = { ...Deno.env.toObject(), ...options.env };
    const shared: SharedSetup = {
      options,
      serverUrl,
      redisUrl,
      redis,
      redisPid: await redisPid(redis, redisUrl),
      id,
      config: parseConfig(env),
    };
    sides.head = await prepareSide(shared, "head", head, !baseline);
    if (baseline) sides.baseline = await prepareSide(shared, "baseline", baseline, false);
    const ctx = sides.head;
    progress(
      `database${baseline ? "s" : ""} ${Object.values(sides).map((s) => s.db.name).join(", ")}, ` +
        `streams bench:${id}:*`,
    );
    const versions = await serverVersions(ctx);
    // Others' load on a shared machine skews every figure: record how busy it was before.
    const background = await CpuMeter.start([]);
    await new Promise((resolve) => setTimeout(resolve, BACKGROUND_SAMPLE_MS));
    const backgroundBusy = (await background.stop()).machine;
    progress(`machine ${backgroundBusy}% busy before the run`);

    let measured: Measurements;
    let extra: Partial<BenchResults> = {};
    let targets: Target[];
    if (sides.baseline && baseline) {
      const ab = await runAlternating({ head: ctx, baseline: sides.baseline }, progress);
      measured = {
        api: ab.api,
        raw_create: [],
        end_to_end: ab.end_to_end,
        raw_processing: [],
        memory: ab.memory.head,
      };
      const comparison = compareSides(ab.api, ab.end_to_end);
      extra = {
        sides: {
          head: {
            rev: head.rev,
            commit: head.commit,
            dirty: head.dirty,
            database: ctx.db.name,
            dir: head.dir,
          },
          baseline: {
            rev: baseline.rev,
            commit: baseline.commit,
            dirty: false,
            database: sides.baseline.db.name,
            dir: baseline.dir,
          },
        },
        comparison,
        open_loop: ab.open_loop,
        baseline_memory: ab.memory.baseline,
      };
      targets = [];
    } else {
      measured = await measureAll(ctx);
      targets = computeTargets(measured, computeRatios(measured));
    }
    if (options.growth) {
      progress(
        `growth: list and get-by-id at ${options.growthSizes.join(", ")} payouts (HEAD), ` +
          `${options.rounds} alternating round(s)`,
      );
      const growth = await runGrowth(ctx, progress);
      measured.memory.api_peak_rss_mb = Math.max(measured.memory.api_peak_rss_mb, growth.peakRssMb);
      extra.growth = growth.scenarios;
      extra.growth_ratios = growthRatios(growth.scenarios);
    }
    const problems = findProblems({ ...measured, ...extra });
    if (extra.comparison) {
      const errors = problems.length;
      targets = comparisonTargets(extra.comparison, extra.open_loop ?? [], measured.memory, errors);
      // Keep the non-2xx target last, where it has always been.
      targets.splice(-1, 0, ...growthTargets(extra.growth_ratios ?? []));
    } else {
      targets.splice(-3, 0, ...growthTargets(extra.growth_ratios ?? []));
    }
    return {
      version: 1,
      started_at: startedAt.toISOString(),
      finished_at: new Date().toISOString(),
      wall_s: Math.round((performance.now() - started) / 100) / 10,
      machine: {
        ...(await machineInfo()),
        ...versions,
        busy_before_run_pct: backgroundBusy,
      },
      settings: {
        duration_s: options.durationS,
        connections: options.connections,
        payouts: options.payouts,
        // null: each end-to-end run used workers × WORKER_CONCURRENCY (its `clients`).
        clients: options.clients ?? null,
        workers: options.workers,
        webhooks: options.webhooks,
        rounds: options.rounds,
        log_levels: options.logLevels,
        wrk_threads: options.wrkThreads,
        baseline: options.baseline ?? null,
        growth_sizes: options.growth ? options.growthSizes : null,
        database_pool_size: ctx.config.DATABASE_POOL_SIZE,
        worker_concurrency: ctx.config.WORKER_CONCURRENCY,
        worker_batch_size: ctx.config.WORKER_BATCH_SIZE,
        provider_latency_ms: ctx.config.PROVIDER_LATENCY_MS,
        env: options.env,
      },
      database: ctx.db.name,
      ...measured,
      ratios: computeRatios(measured),
      ...extra,
      targets,
      valid: problems.length === 0,
      problems,
    };
  } finally {
    await cleanUp();
    Deno.removeSignalListener("SIGINT", interrupted);
    Deno.removeSignalListener("SIGTERM", interrupted);
  }
}

if (import.meta.main) {
  let options: BenchOptions | "help";
  try {
    options = parseOptions(Deno.args);
  } catch (error) {
    console.error(`bench: ${error instanceof Error ? error.message : error}\n\n${USAGE}`);
    Deno.exit(2);
  }
  if (options === "help") {
    console.log(USAGE);
    Deno.exit(0);
  }
  if (!(await haveWrk())) {
    console.error("bench: wrk is not installed (apt-get install wrk)");
    Deno.exit(1);
  }
  try {
    const results = await bench(options);
    await Deno.mkdir(dirname(options.out), { recursive: true });
    await Deno.writeTextFile(options.out, JSON.stringify(results, null, 2) + "\n");
    console.log(formatTables(results));
    progress(`results written to ${options.out} (${results.wall_s} s)`);
    if (!results.valid) {
      progress(`the run had errors:\n  ${results.problems.join("\n  ")}`);
      Deno.exit(1);
    }
  } catch (error) {
    progress(`failed: ${error instanceof Error ? error.stack ?? error.message : error}`);
    Deno.exit(1);
  }
}
