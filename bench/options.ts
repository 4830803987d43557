/** The benchmark's command-line flags. */
import { parseArgs } from "node:util";

export interface BenchOptions {
  /** Seconds per API scenario and per raw create run. */
  durationS: number;
  /** Concurrent keep-alive connections for the API scenarios and the raw create runs. */
  connections: number[];
  /** Payouts per end-to-end and raw processing run. */
  payouts: number;
  /**
   * Concurrent HTTP clients creating them in the end-to-end runs; by default as many as the
   * workers hold jobs in flight (workers × WORKER_CONCURRENCY), the concurrency of the raw
   * processing run each is compared with.
   */
  clients?: number;
  /** Worker process counts for the end-to-end and raw processing runs. */
  workers: number[];
  /**
   * Times each pair behind a target ratio (API POST and raw create; end to end and raw
   * processing) is measured, back to back; the targets take the median of the rounds.
   */
  rounds: number;
  /** LOG_LEVEL values to run the API scenarios under (the first is used everywhere else). */
  logLevels: string[];
  /** wrk threads (at most one per connection). */
  wrkThreads: number;
  /** Where results.json goes. */
  out: string;
  /** Also run end to end with one subscribed webhook endpoint, next to each run without. */
  webhooks: boolean;
  /** Extra environment for the API and workers (`KEY=VALUE`), e.g. DATABASE_POOL_SIZE=16. */
  env: Record<string, string>;
  /**
   * A git revision to compare HEAD (the working tree) with: both are measured in
   * alternating rounds of the same run, and the report gives HEAD ÷ baseline.
   */
  baseline?: string;
  /** Whether to measure list and get-by-id at each of `growthSizes` payouts (HEAD only). */
  growth: boolean;
  /** Table sizes for the growth phase, ascending; the first is the reference. */
  growthSizes: number[];
}

export const USAGE = `deno task bench [flags]

  --duration S        seconds per API scenario and raw create run (default 10)
  --connections LIST  concurrent connections, comma-separated (default 16,64)
  --payouts N         payouts per end-to-end and raw processing run (default 10000)
  --clients N         concurrent HTTP clients creating them (default: workers ×
                      WORKER_CONCURRENCY, the jobs the workers hold in flight)
  --workers LIST      worker process counts (default 1,2; 2 with --baseline)
  --rounds N          rounds of each service/raw pair behind a target; the targets take
                      the median ratio (default 3)
  --log-levels LIST   LOG_LEVEL values for the API scenarios (default info,warn)
  --threads N         wrk threads (default 2)
  --out PATH          results file (default bench/results.json)
  --env KEY=VALUE     extra environment for API and workers (repeatable)
  --no-webhooks       skip the end-to-end runs with a subscribed webhook endpoint (by
                      default each round runs one, with the most workers, next to the
                      run without; never with --baseline)
  --baseline REV      also build REV in a temporary git worktree and measure it and HEAD
                      (the working tree) in alternating rounds: API and end to end each
                      round, then each side open-loop at half its end-to-end rate; reports
                      HEAD ÷ baseline. Skips the raw limits and the log-level repeats.
                      Issue 13's baseline is 623ea3d.
  --growth            measure list and get-by-id at each --growth-sizes table size (HEAD,
                      on seeded history); on by default with --baseline
  --no-growth         skip it
  --growth-sizes LIST table sizes, ascending (default 10000,1000000)

Reads DATABASE_URL (only its server is used: the benchmark creates and drops its own
database) and REDIS_URL.`;

function positiveInts(text: string, flag: string): number[] {
  const values = text.split(",").map((part) => Number(part.trim()));
  if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new Error(`--${flag} must be positive integers, comma-separated (got ${text})`);
  }
  return values;
}

/** Parses flags; throws with a message naming the bad one. */
export function parseOptions(args: string[]): BenchOptions | "help" {
  const { values } = parseArgs({
    args,
    options: {
      duration: { type: "string", default: "10" },
      connections: { type: "string", default: "16,64" },
      payouts: { type: "string", default: "10000" },
      clients: { type: "string" },
      workers: { type: "string" },
      rounds: { type: "string", default: "3" },
      "log-levels": { type: "string", default: "info,warn" },
      threads: { type: "string", default: "2" },
      out: { type: "string", default: "bench/results.json" },
      env: { type: "string", multiple: true, default: [] },
      "no-webhooks": { type: "boolean", default: false },
      baseline: { type: "string" },
      growth: { type: "boolean", default: false },
      "no-growth": { type: "boolean", default: false },
      "growth-sizes": { type: "string", default: "10000,1000000" },
      help: { type: "boolean", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return "help";
  const connections = positiveInts(values.connections, "connections");
  const logLevels = values["log-levels"].split(",").map((level) => level.trim());
  for (const level of logLevels) {
    if (!["debug", "info", "warn", "error"].includes(level)) {
      throw new Error(`--log-levels: unknown level ${level}`);
    }
  }
  const env: Record<string, string> = {};
  for (const pair of values.env) {
    const at = pair.indexOf("=");
    if (at < 1) throw new Error(`--env must be KEY=VALUE (got ${pair})`);
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const baseline = values.baseline?.trim() || undefined;
  if (values.baseline !== undefined && !baseline) throw new Error("--baseline needs a revision");
  if (values.growth && values["no-growth"]) {
    throw new Error("--growth and --no-growth contradict each other");
  }
  const growthSizes = positiveInts(values["growth-sizes"], "growth-sizes");
  if (growthSizes.length < 2 || growthSizes.some((n, i) => i > 0 && n <= growthSizes[i - 1])) {
    throw new Error(`--growth-sizes must be at least two ascending sizes (got ${growthSizes})`);
  }
  if (growthSizes.some((n) => n > 1_000_000)) {
    throw new Error("--growth-sizes: at most 1000000 (what deno task seed makes at once)");
  }
  return {
    durationS: positiveInts(values.duration, "duration")[0],
    connections,
    payouts: positiveInts(values.payouts, "payouts")[0],
    clients: values.clients ? positiveInts(values.clients, "clients")[0] : undefined,
    // The end-to-end target is at 2 workers: with a baseline, only that by default.
    workers: positiveInts(values.workers ?? (baseline ? "2" : "1,2"), "workers"),
    rounds: positiveInts(values.rounds, "rounds")[0],
    logLevels,
    wrkThreads: positiveInts(values.threads, "threads")[0],
    out: values.out,
    webhooks: !values["no-webhooks"] && !baseline,
    env,
    baseline,
    growth: values.growth || (baseline !== undefined && !values["no-growth"]),
    growthSizes,
  };
}
