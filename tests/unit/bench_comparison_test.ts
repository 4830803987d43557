import assert from "node:assert/strict";
import type { ApiScenario } from "../../bench/api_phase.ts";
import { sideOrder } from "../../bench/ab_phase.ts";
import {
  compareSides,
  growthRatios,
  growthTargets,
  peakRate,
  ratioLimit,
} from "../../bench/comparison.ts";
import type { EndToEndRun } from "../../bench/e2e_phase.ts";
import type { GrowthScenario } from "../../bench/growth_phase.ts";
import { parseOptions } from "../../bench/options.ts";

const post = (side: "head" | "baseline", round: number, rps: number) =>
  ({ side, round, endpoint: "POST /api/payouts/", connections: 16, rps }) as ApiScenario;
const e2e = (side: "head" | "baseline", round: number, perS: number) =>
  ({ side, round, workers: 2, webhooks: false, payouts_per_s: perS }) as EndToEndRun;

Deno.test("sideOrder runs the baseline first in odd rounds and HEAD first in even ones", () => {
  assert.deepEqual(sideOrder(1), ["baseline", "head"]);
  assert.deepEqual(sideOrder(2), ["head", "baseline"]);
  assert.deepEqual(sideOrder(3), ["baseline", "head"]);
});

Deno.test("compareSides divides HEAD by the baseline of the same round and takes the median", () => {
  const api = [
    post("baseline", 1, 100),
    post("head", 1, 300),
    post("head", 2, 150),
    post("baseline", 2, 100),
    post("baseline", 3, 200),
    post("head", 3, 500),
  ];
  const [c] = compareSides(api, []);
  assert.equal(c.name, "POST /api/payouts/ req/s at 16 connections");
  assert.deepEqual(c.rounds.map((r) => r.ratio), [3, 1.5, 2.5]);
  // The median of the per-round ratios, not the ratio of the medians (300 ÷ 100).
  assert.equal(c.median_ratio, 2.5);
  assert.equal(c.head_median, 300);
  assert.equal(c.baseline_median, 100);
});

Deno.test("compareSides leaves out a round that only one side finished", () => {
  const [c] = compareSides([], [e2e("baseline", 1, 400), e2e("head", 1, 1000), e2e("head", 2, 9)]);
  assert.equal(c.name, "end to end payouts/s, 2 workers");
  assert.deepEqual(c.rounds.map((r) => r.round), [1]);
  assert.equal(c.median_ratio, 2.5);
});

Deno.test("peakRate is the median end-to-end rate of one side", () => {
  const runs = [
    e2e("head", 1, 900),
    e2e("head", 2, 1200),
    e2e("head", 3, 1000),
    e2e("baseline", 1, 1),
  ];
  assert.equal(peakRate(runs, "head", 2), 1000);
});

Deno.test("ratioLimit asks 2.5× end to end, 2× for POST and reads not slower within noise", () => {
  assert.equal(ratioLimit("end to end payouts/s, 2 workers"), 2.5);
  assert.equal(ratioLimit("POST /api/payouts/ req/s at 64 connections"), 2);
  assert.equal(ratioLimit("GET /api/payouts/{id}/ req/s at 16 connections"), 0.95);
});

function growthAt(size: number, rounds: [rps: number, p50: number, p99: number][]) {
  return {
    size,
    endpoint: "GET /api/payouts/",
    rounds: rounds.map(([rps, p50_ms, p99_ms], i) => ({ round: i + 1, rps, p50_ms, p99_ms })),
  } as GrowthScenario;
}

Deno.test("growthRatios: latency large ÷ small, req/s small ÷ large, so above 1 is always slower", () => {
  const [r] = growthRatios([
    growthAt(10_000, [[1000, 2, 10]]),
    growthAt(1_000_000, [[500, 3, 40]]),
  ]);
  assert.deepEqual([r.p50, r.p99, r.rps], [1.5, 4, 2]);
  const holds = growthTargets([r]).map((t) => t.holds);
  assert.deepEqual(holds, [true, false, false]);
});

Deno.test("growthRatios pairs the sizes within each round and takes the median of the rounds' ratios", () => {
  // Round 1 ran while the machine was busy for the small table only: paired by round, that
  // one ratio is an outlier the median drops; the medians of each size's own figures
  // (2.9 ms ÷ 3.1 ms) would not pair them at all.
  const small = growthAt(10_000, [[900, 1, 1], [300, 3, 3], [310, 2.9, 2.9]]);
  const large = growthAt(1_000_000, [[300, 3, 3], [290, 3.3, 3.3], [300, 3.1, 3.1]]);
  const [r] = growthRatios([small, large]);
  assert.deepEqual(r.rounds.map((x) => x.p50), [3, 1.1, 1.069]);
  assert.deepEqual([r.p50, r.p99, r.rps], [1.1, 1.1, 1.034]);
});

Deno.test("--baseline defaults to 2 workers, no webhook runs and the growth phase", () => {
  const options = parseOptions(["--baseline", "623ea3d"]);
  assert.ok(options !== "help");
  assert.equal(options.baseline, "623ea3d");
  assert.deepEqual(options.workers, [2]);
  assert.equal(options.webhooks, false);
  assert.equal(options.growth, true);
  assert.deepEqual(options.growthSizes, [10_000, 1_000_000]);
});

Deno.test("without --baseline the benchmark runs as before unless --growth is given", () => {
  const plain = parseOptions([]);
  assert.ok(plain !== "help");
  assert.deepEqual([plain.baseline, plain.workers, plain.webhooks, plain.growth], [
    undefined,
    [1, 2],
    true,
    false,
  ]);
  const grown = parseOptions(["--growth", "--growth-sizes", "100,500"]);
  assert.ok(grown !== "help");
  assert.deepEqual([grown.growth, grown.growthSizes], [true, [100, 500]]);
  const skipped = parseOptions(["--baseline", "HEAD", "--no-growth"]);
  assert.ok(skipped !== "help");
  assert.equal(skipped.growth, false);
});

Deno.test("parseOptions refuses growth sizes that do not grow and an empty baseline", () => {
  assert.throws(() => parseOptions(["--growth-sizes", "1000"]), /at least two ascending/);
  assert.throws(() => parseOptions(["--growth-sizes", "1000,10"]), /at least two ascending/);
  assert.throws(() => parseOptions(["--growth-sizes", "10,2000000"]), /at most 1000000/);
  assert.throws(() => parseOptions(["--baseline", ""]), /needs a revision/);
  assert.throws(() => parseOptions(["--growth", "--no-growth"]), /contradict/);
});
