/**
 * The benchmark at a tiny size: it must run end to end, clean up after itself and write a
 * complete results document. Only shapes are checked here, never speeds.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { Redis } from "ioredis";
import { parseConfig } from "../../src/config.ts";
import { TEST_REDIS_URL } from "../helpers/redis.ts";
import { type CliResult, runDeno } from "../helpers/cli.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const ADMIN_URL = Deno.env.get("TEST_DATABASE_ADMIN_URL") ||
  "postgres://postgres@127.0.0.1:5432/postgres";

type Json = Record<string, unknown>;

function assertNumbers(record: Json, keys: string[], where: string) {
  for (const key of keys) {
    const value = record[key];
    assert.ok(
      typeof value === "number" && Number.isFinite(value) && value >= 0,
      `${where}.${key} should be a non-negative number, got ${JSON.stringify(value)}`,
    );
  }
}

function assertArray(value: unknown, length: number, where: string): Json[] {
  assert.ok(Array.isArray(value), `${where} should be an array`);
  assert.equal(value.length, length, `${where} should have ${length} entries`);
  return value as Json[];
}

async function databaseExists(name: string): Promise<boolean> {
  const sql = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql`select 1 from pg_database where datname = ${name}`;
    return rows.length > 0;
  } finally {
    await sql.end();
  }
}

async function benchKeys(database: string): Promise<string[]> {
  const id = database.replace("payouts_bench_", "");
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    return await redis.keys(`bench:${id}:*`);
  } finally {
    await redis.quit();
  }
}

/** Runs `deno task bench` with `args` against the test Redis; its exit code and output. */
function runBench(args: string[]): Promise<CliResult> {
  return runDeno(["task", "bench", ...args], { REDIS_URL: TEST_REDIS_URL });
}

/**
 * Runs the benchmark at the tiny size (1 s, 50 payouts, 4 connections, 2 rounds), `before`
 * and `after` around those flags, writing to `out`; asserts it exited 0 with a valid
 * document, and returns its output and that document.
 */
async function runTinyBench(
  before: string[],
  after: string[],
  out: string,
): Promise<{ stdout: string; stderr: string; results: Json }> {
  const output = await runBench([
    ...before,
    ...["--duration", "1", "--payouts", "50", "--connections", "4", "--rounds", "2"],
    ...after,
    "--out",
    out,
  ]);
  const { stderr, stdout } = output;
  assert.equal(output.code, 0, `bench failed:\n${stderr}`);
  const results = JSON.parse(await Deno.readTextFile(out)) as Json;
  assert.equal(results.valid, true, `problems: ${JSON.stringify(results.problems)}`);
  return { stdout, stderr, results };
}

Deno.test("the benchmark on a tiny size exits 0, cleans up and writes every figure", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bench-smoke-" });
  try {
    const out = `${dir}/nested/results.json`;
    const { stdout, results } = await runTinyBench([], [], out);

    assertNumbers(results.machine as Json, ["nproc", "memory_mb"], "machine");

    // One connection count, three endpoints, two log levels (info and warn by default); the
    // POST behind the target runs once per round at the first level.
    const api = assertArray(results.api, 7, "api");
    assert.deepEqual(
      api.filter((s) => s.endpoint === "POST /api/payouts/").map((s) => [s.log_level, s.round]),
      [["info", 1], ["info", 2], ["warn", 1]],
    );
    assert.deepEqual(
      [...new Set(api.map((s) => `${s.log_level} ${s.endpoint}`))].sort(),
      [
        "info GET /api/payouts/",
        "info GET /api/payouts/{id}/",
        "info POST /api/payouts/",
        "warn GET /api/payouts/",
        "warn GET /api/payouts/{id}/",
        "warn POST /api/payouts/",
      ],
    );
    for (const scenario of api) {
      assert.equal(scenario.connections, 4);
      assert.equal(scenario.non_2xx, 0);
      assert.ok((scenario.requests as number) > 0, "every scenario sent requests");
      assertNumbers(scenario, [
        "rps",
        "p50_ms",
        "p90_ms",
        "p99_ms",
        "api_cpu_pct",
        "loadgen_cpu_pct",
        "machine_cpu_pct",
        "log_bytes_per_request",
      ], "api[]");
    }
    const rawCreates = assertArray(results.raw_create, 2, "raw_create");
    assert.deepEqual(rawCreates.map((run) => run.round), [1, 2]);
    for (const rawCreate of rawCreates) {
      assertNumbers(
        rawCreate,
        [
          "ops",
          "rps",
          "p50_ms",
          "p90_ms",
          "p99_ms",
          "cpu_pct",
          "postgres_cpu_pct",
          "machine_cpu_pct",
        ],
        "raw_create[]",
      );
    }

    // Workers 1 and 2 by default, then 2 with a subscribed webhook endpoint, in each round;
    // every payout created was completed.
    const endToEnd = assertArray(results.end_to_end, 6, "end_to_end");
    assert.deepEqual(endToEnd.map((run) => [run.round, run.workers, run.webhooks]), [
      [1, 1, false],
      [1, 2, false],
      [1, 2, true],
      [2, 1, false],
      [2, 2, false],
      [2, 2, true],
    ]);
    for (const run of endToEnd.filter((run) => run.webhooks)) {
      // created, processing and completed for each payout, each delivered.
      assert.equal(run.webhooks_delivered, 150);
      assert.equal(run.webhooks_failed, 0);
      assertNumbers(run, [
        "webhook_seconds",
        "webhook_lag_p50_ms",
        "webhook_lag_p99_ms",
        "webhook_lag_max_ms",
      ], "end_to_end[] with webhooks");
    }
    for (const run of endToEnd) {
      assert.equal(run.payouts, 50);
      assert.equal(run.failed, 0);
      // As many clients as the workers hold jobs (WORKER_CONCURRENCY, left at its default).
      assert.equal(run.clients, (run.workers as number) * parseConfig({}).WORKER_CONCURRENCY);
      assertNumbers(run, [
        "seconds",
        "payouts_per_s",
        "lag_p50_ms",
        "lag_p99_ms",
        "lag_max_ms",
        "loadgen_cpu_pct",
        "worker_peak_rss_mb",
      ], "end_to_end[]");
      assert.equal((run.worker_cpu_pct as number[]).length, run.workers);
    }
    const rawProcessing = assertArray(results.raw_processing, 4, "raw_processing");
    assert.deepEqual(rawProcessing.map((run) => [run.round, run.processes]), [[1, 1], [1, 2], [
      2,
      1,
    ], [2, 2]]);
    for (const run of rawProcessing) {
      assert.equal(run.payouts, 50);
      assertNumbers(run, [
        "seconds",
        "per_s",
        "job_p50_ms",
        "job_p99_ms",
        "cpu_pct",
        "postgres_cpu_pct",
        "machine_cpu_pct",
      ], "raw[]");
    }

    const memory = results.memory as Json;
    assertNumbers(memory, ["api_peak_rss_mb", "worker_peak_rss_mb"], "memory");
    assert.ok((memory.api_peak_rss_mb as number) > 0 && (memory.worker_peak_rss_mb as number) > 0);
    const ratios = results.ratios as {
      api_post_vs_raw_create: Json[];
      e2e_vs_raw_processing: Json[];
      e2e_with_webhooks_vs_without: Json[];
    };
    assertArray(ratios.e2e_with_webhooks_vs_without, 2, "ratios.e2e_with_webhooks_vs_without")
      .forEach((r) => assertNumbers(r, ["ratio", "round"], "ratio"));
    assertArray(ratios.api_post_vs_raw_create, 3, "ratios.api_post_vs_raw_create")
      .forEach((r) => assertNumbers(r, ["ratio", "round"], "ratio"));
    const e2eRatios = assertArray(ratios.e2e_vs_raw_processing, 4, "ratios.e2e_vs_raw_processing");
    e2eRatios.forEach((r) => assertNumbers(r, ["ratio", "round"], "ratio"));
    const targets = results.targets as Json[];
    for (const target of targets) {
      assert.equal(typeof target.name, "string");
      assert.equal(typeof target.value, "number");
      assert.equal(typeof target.holds, "boolean");
    }
    // A ratio target is the median of its rounds: with two, the mean of both.
    const twoWorkers = e2eRatios.filter((r) => r.workers === 2).map((r) => r.ratio as number);
    const e2eTarget = targets.find((t) => (t.name as string).startsWith("end-to-end"))!;
    assert.match(e2eTarget.name as string, /median of 2 rounds/);
    assert.ok(
      Math.abs((e2eTarget.value as number) - (twoWorkers[0] + twoWorkers[1]) / 2) < 0.001,
      `${e2eTarget.value} should be the median of ${twoWorkers}`,
    );

    // The printed table and the cleanup: no database or stream outlives the run.
    assert.match(stdout, /\| target \| measured \| limit \| holds \|/);
    const database = results.database as string;
    assert.match(database, /^payouts_bench_[0-9a-f]+$/);
    assert.equal(await databaseExists(database), false, `${database} was not dropped`);
    assert.deepEqual(await benchKeys(database), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

async function worktrees(): Promise<string> {
  const output = await new Deno.Command("git", {
    args: ["worktree", "list", "--porcelain"],
    cwd: ROOT,
    stdout: "piped",
  }).output();
  return new TextDecoder().decode(output.stdout);
}

Deno.test("the benchmark against a baseline alternates the sides, pairs their rounds, grows the table and removes its worktree", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bench-smoke-baseline-" });
  try {
    const out = `${dir}/results.json`;
    const { stderr, stdout, results } = await runTinyBench(
      ["--baseline", "HEAD"],
      ["--growth-sizes", "200,1000"],
      out,
    );

    // Round 1 baseline first, round 2 HEAD first; no raw limits with a baseline.
    const api = assertArray(results.api, 12, "api");
    const order = (rows: Json[]) => [...new Set(rows.map((s) => `${s.round} ${s.side}`))];
    assert.deepEqual(order(api), ["1 baseline", "1 head", "2 head", "2 baseline"]);
    assertArray(results.raw_create, 0, "raw_create");
    assertArray(results.raw_processing, 0, "raw_processing");
    // Only 2 workers by default, and no webhook runs.
    const endToEnd = assertArray(results.end_to_end, 4, "end_to_end");
    assert.deepEqual(order(endToEnd), ["1 baseline", "1 head", "2 head", "2 baseline"]);
    for (const run of endToEnd) {
      assert.equal(run.workers, 2);
      assert.equal(run.webhooks, false);
      assert.equal(run.payouts, 50);
      assert.equal(run.failed, 0);
    }

    // Every throughput paired per round; the reported ratio is the median of the rounds'.
    const comparison = assertArray(results.comparison, 4, "comparison");
    assert.deepEqual(comparison.map((c) => c.name), [
      "POST /api/payouts/ req/s at 4 connections",
      "GET /api/payouts/ req/s at 4 connections",
      "GET /api/payouts/{id}/ req/s at 4 connections",
      "end to end payouts/s, 2 workers",
    ]);
    for (const c of comparison) {
      const rounds = assertArray(c.rounds, 2, `${c.name} rounds`);
      for (const r of rounds) assertNumbers(r, ["head", "baseline", "ratio"], c.name as string);
      const mean = ((rounds[0].ratio as number) + (rounds[1].ratio as number)) / 2;
      assert.ok(Math.abs((c.median_ratio as number) - mean) < 0.002, `${c.name}: median`);
    }

    // Each side open loop at half its own end-to-end rate, every payout finished.
    const openLoop = assertArray(results.open_loop, 2, "open_loop");
    assert.deepEqual(openLoop.map((o) => o.side), ["head", "baseline"]);
    for (const run of openLoop) {
      assert.equal(run.payouts, 50);
      assert.equal(run.failed, 0);
      assert.equal(run.non_2xx, 0);
      assert.ok(Math.abs((run.target_rps as number) - (run.peak_per_s as number) / 2) < 0.2);
      assertNumbers(run, ["sent_rps", "lag_p50_ms", "lag_p99_ms", "lag_max_ms"], "open_loop[]");
    }

    // Growth on by default with a baseline: four reads at each size in every round, and
    // their ratios paired by round.
    const growth = assertArray(results.growth, 8, "growth");
    assert.deepEqual([...new Set(growth.map((g) => g.size))], [200, 1000]);
    for (const g of growth) {
      assert.equal(g.non_2xx, 0);
      assert.ok((g.requests as number) > 0, `${g.endpoint} at ${g.size} sent requests`);
      assert.ok((g.warm_up_requests as number) > 0, `${g.endpoint} at ${g.size} warmed up`);
      assert.equal(g.checkpointed, true, `${g.endpoint} at ${g.size} read a checkpointed table`);
      const rounds = assertArray(g.rounds, 2, `${g.endpoint} at ${g.size} rounds`);
      assert.deepEqual(rounds.map((r) => r.round), [1, 2]);
      for (const r of rounds) {
        assertNumbers(r, ["requests", "rps", "p50_ms", "p99_ms"], `${g.endpoint} rounds[]`);
        assert.ok((r.requests as number) > 0, `${g.endpoint} at ${g.size}, round ${r.round}`);
      }
    }
    for (const r of assertArray(results.growth_ratios, 4, "growth_ratios")) {
      assertNumbers(r, ["p50", "p99", "rps"], "growth_ratios[]");
      assertArray(r.rounds, 2, "growth_ratios[].rounds");
    }
    // The sizes alternate: ascending in round 1, descending in round 2.
    const measured = [...stderr.matchAll(/round (\d), GET .* at (\d+): /g)].map((m) =>
      `${m[1]} ${m[2]}`
    );
    assert.deepEqual([...new Set(measured)], ["1 200", "1 1000", "2 1000", "2 200"]);

    const targets = results.targets as Json[];
    const names = targets.map((t) => t.name as string);
    assert.ok(names.some((n) => n.startsWith("HEAD ÷ baseline, end to end")));
    assert.ok(names.some((n) => n.startsWith("HEAD slowest payout")));
    assert.equal(names.filter((n) => n.startsWith("growth: ")).length, 12);
    assert.match(stdout, /\| HEAD ÷ baseline \| per round \|/);

    // Both databases, every stream and the baseline's worktree are gone.
    const sides = results.sides as Record<string, Json>;
    assert.equal(sides.baseline.rev, "HEAD");
    for (const side of ["head", "baseline"]) {
      const database = sides[side].database as string;
      assert.match(database, /^payouts_bench_[0-9a-f]+(_baseline)?$/);
      assert.equal(await databaseExists(database), false, `${database} was not dropped`);
    }
    for (const size of [200, 1000]) {
      const database = `${sides.head.database}_growth_${size}`;
      assert.equal(await databaseExists(database), false, `${database} was not dropped`);
    }
    assert.deepEqual(await benchKeys(sides.head.database as string), []);
    const checkout = sides.baseline.dir as string;
    assert.notEqual(checkout, ROOT.replace(/\/$/, ""));
    await assert.rejects(Deno.stat(checkout), Deno.errors.NotFound);
    assert.ok(!(await worktrees()).includes(checkout), `${checkout} is still a worktree`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
