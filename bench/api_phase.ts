/**
 * Phase 1: the API under wrk. POST, list (first page of 20) and get-by-id, each for a fixed
 * duration at every connection count, authenticated, against a freshly started API.
 */
import { type BenchContext, serviceEnv, type SideName, wrkBase } from "./context.ts";
import { backendPids, samplePayoutIds } from "./bench.repository.ts";
import { CpuMeter, sumPercent } from "./proc_stats.ts";
import { type RunningApi, startApi, stopService } from "./services.ts";
import { round } from "./stats.ts";
import { runWrk, type WrkRun } from "./wrk.ts";
import { SAMPLE_BODY } from "./workload.ts";

export interface ApiScenario {
  /** With --baseline: which version was measured. */
  side?: SideName;
  log_level: string;
  endpoint: string;
  connections: number;
  /** 1, 2, …: POST runs once per round, the GETs once. */
  round: number;
  requests: number;
  rps: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
  non_2xx: number;
  socket_errors: number;
  /** CPU of the API process, % of one core. */
  api_cpu_pct: number;
  /** CPU of this database's Postgres backends, % of one core. */
  postgres_cpu_pct: number;
  /** CPU of redis-server, % of one core. */
  redis_cpu_pct: number;
  /** CPU of wrk, % of one core. */
  loadgen_cpu_pct: number;
  /** Busy share of the whole machine, % of all cores. */
  machine_cpu_pct: number;
  /** Bytes the API logged per request. */
  log_bytes_per_request: number;
}

/**
 * Load before anything is timed, at the first measured concurrency, for at most this long (and
 * no longer than one timed run): V8 goes on compiling the request path with its optimizing tiers
 * well into full load (`--trace-opt` shows it), and a shorter, lighter warm-up leaves part of that
 * inside the first timed POST run.
 */
const WARM_UP_S = 10;
const GET_IDS = 1000;

/** Runs every API scenario at one LOG_LEVEL; returns them and the API's peak RSS. */
export async function runApiPhase(
  ctx: BenchContext,
  logLevel: string,
  print: (scenario: ApiScenario) => void,
  /** How many times each POST scenario runs. */
  postRounds: number,
  /**
   * Runs right after each POST scenario, for the raw create run at the same concurrency:
   * adjacent in time, the two see the same background load on a shared machine.
   */
  afterPost: (connections: number, round: number) => Promise<void> = async () => {},
): Promise<{ scenarios: ApiScenario[]; peakRssMb: number }> {
  const api = await startApi(serviceEnv(ctx, logLevel), ctx.port);
  const scenarios: ApiScenario[] = [];
  try {
    const base = wrkBase(ctx, api.baseUrl);
    const post = { ...base, method: "POST", paths: ["/api/payouts/"], body: SAMPLE_BODY } as const;
    // JIT, prepared statements and pool connections warm up before anything is timed.
    const warmUpS = Math.min(WARM_UP_S, ctx.options.durationS);
    await runWrk({ ...post, connections: ctx.options.connections[0], durationS: warmUpS });
    const run = async (endpoint: string, wrk: Omit<WrkRun, "connections">) => {
      const rounds = wrk.method === "POST" ? postRounds : 1;
      for (const connections of ctx.options.connections) {
        for (let round = 1; round <= rounds; round++) {
          const scenario = await measure(ctx, api, logLevel, endpoint, { ...wrk, connections });
          scenarios.push({ ...scenario, round });
          print({ ...scenario, round });
          if (wrk.method === "POST") await afterPost(connections, round);
        }
      }
    };
    await run("POST /api/payouts/", post);
    await run("GET /api/payouts/", { ...base, method: "GET", paths: ["/api/payouts/"], body: "" });
    const ids = await samplePayoutIds(ctx.db.sql, GET_IDS);
    await run("GET /api/payouts/{id}/", {
      ...base,
      method: "GET",
      paths: ids.map((id) => `/api/payouts/${id}/`),
      body: "",
    });
  } catch (error) {
    await api.child.stop("SIGKILL");
    throw error;
  }
  return { scenarios, peakRssMb: await stopService(api.child) };
}

async function measure(
  ctx: BenchContext,
  api: RunningApi,
  logLevel: string,
  endpoint: string,
  wrk: WrkRun,
): Promise<Omit<ApiScenario, "round">> {
  const logBefore = api.child.stderrBytes();
  const backends = await backendPids(ctx.db.sql);
  const redis = ctx.redisPid ? [ctx.redisPid] : [];
  const meter = await CpuMeter.start([api.child.pid, ...backends, ...redis]);
  const result = await runWrk(wrk);
  const cpu = await meter.stop();
  // Log lines of the last responses may still be in the pipe: let the drain catch up.
  await new Promise((resolve) => setTimeout(resolve, 100));
  const logBytes = api.child.stderrBytes() - logBefore;
  return {
    log_level: logLevel,
    endpoint,
    connections: wrk.connections,
    requests: result.requests,
    rps: round(result.requests / result.seconds, 1),
    p50_ms: result.p50_ms,
    p90_ms: result.p90_ms,
    p99_ms: result.p99_ms,
    max_ms: result.max_ms,
    non_2xx: result.non_2xx,
    socket_errors: result.socket_errors,
    api_cpu_pct: cpu.processes.get(api.child.pid) ?? 0,
    postgres_cpu_pct: sumPercent(cpu, backends),
    redis_cpu_pct: sumPercent(cpu, redis),
    loadgen_cpu_pct: cpu.reaped,
    machine_cpu_pct: cpu.machine,
    log_bytes_per_request: result.requests > 0 ? round(logBytes / result.requests, 1) : 0,
  };
}
