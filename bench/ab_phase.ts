/**
 * HEAD and a baseline in alternating rounds: in round k each side gets the API scenarios
 * and the end-to-end runs, the baseline first when k is odd and HEAD first when k is even,
 * so a machine that grows busier (or quieter) during the run favours neither side. Then
 * each side runs open loop at half of its own end-to-end rate.
 */
import { type ApiScenario, runApiPhase } from "./api_phase.ts";
import { truncatePayouts } from "./bench.repository.ts";
import { peakRate } from "./comparison.ts";
import { type BenchContext, serviceEnv, type SideName } from "./context.ts";
import { type EndToEndRun, runEndToEnd } from "./e2e_phase.ts";
import { type OpenLoopRun, runOpenLoop } from "./open_loop_phase.ts";
import { startApi, stopService } from "./services.ts";

export type SideMemory = { api_peak_rss_mb: number; worker_peak_rss_mb: number };

export interface AlternatingMeasurements {
  api: ApiScenario[];
  end_to_end: EndToEndRun[];
  open_loop: OpenLoopRun[];
  memory: Record<SideName, SideMemory>;
}

/** The share of the end-to-end rate the open-loop run arrives at. */
export const OPEN_LOOP_SHARE = 0.5;

/** Round k's order: baseline first when k is odd, HEAD first when it is even. */
export function sideOrder(roundNumber: number): SideName[] {
  return roundNumber % 2 === 1 ? ["baseline", "head"] : ["head", "baseline"];
}

/** Runs every round on both sides, then the open-loop runs. */
export async function runAlternating(
  sides: Record<SideName, BenchContext>,
  progress: (message: string) => void,
): Promise<AlternatingMeasurements> {
  const { options } = sides.head;
  const level = options.logLevels[0];
  const api: ApiScenario[] = [];
  const endToEnd: EndToEndRun[] = [];
  const memory: Record<SideName, SideMemory> = {
    head: { api_peak_rss_mb: 0, worker_peak_rss_mb: 0 },
    baseline: { api_peak_rss_mb: 0, worker_peak_rss_mb: 0 },
  };
  const note = (side: SideName, api: number, worker = 0) => {
    memory[side].api_peak_rss_mb = Math.max(memory[side].api_peak_rss_mb, api);
    memory[side].worker_peak_rss_mb = Math.max(memory[side].worker_peak_rss_mb, worker);
  };
  for (let round = 1; round <= options.rounds; round++) {
    for (const side of sideOrder(round)) {
      const ctx = sides[side];
      progress(`round ${round}, ${side}: API scenarios`);
      // Each side's reads run on the rows its own POSTs of this round wrote.
      await truncatePayouts(ctx.db.sql);
      await ctx.redis.del(ctx.names.stream, ctx.names.deadLetter);
      const phase = await runApiPhase(ctx, level, (s) =>
        progress(
          `  ${side} ${s.endpoint} ×${s.connections}: ${s.rps} req/s, p99 ${s.p99_ms} ms, ` +
            `non-2xx ${s.non_2xx}`,
        ), 1);
      api.push(...phase.scenarios.map((s) => ({ ...s, side, round })));
      note(side, phase.peakRssMb);
      const running = await startApi(serviceEnv(ctx, level), ctx.port);
      try {
        for (const workers of options.workers) {
          progress(
            `round ${round}, ${side}: end to end, ${options.payouts} payouts, ${workers} worker(s)`,
          );
          const run = await runEndToEnd(ctx, running, workers, level, round);
          progress(
            `  ${side}: ${run.payouts_per_s} payouts/s, lag p99 ${run.lag_p99_ms} ms, ` +
              `max ${run.lag_max_ms} ms`,
          );
          endToEnd.push({ ...run, side });
          note(side, 0, run.worker_peak_rss_mb);
        }
      } catch (error) {
        await running.child.stop("SIGKILL");
        throw error;
      }
      note(side, await stopService(running.child));
    }
  }
  const openLoop: OpenLoopRun[] = [];
  const workers = Math.max(...options.workers);
  for (const side of ["head", "baseline"] as const) {
    const peak = peakRate(endToEnd, side, workers);
    progress(`${side}: open loop at ${OPEN_LOOP_SHARE} × ${peak} payouts/s, ${workers} workers`);
    const run = await runOpenLoop(sides[side], workers, peak, OPEN_LOOP_SHARE);
    progress(
      `  ${side}: sent ${run.sent_rps}/s, lag p50 ${run.lag_p50_ms} ms, p99 ${run.lag_p99_ms} ms, ` +
        `max ${run.lag_max_ms} ms`,
    );
    openLoop.push(run);
    note(side, run.api_peak_rss_mb, run.worker_peak_rss_mb);
  }
  return { api, end_to_end: endToEnd, open_loop: openLoop, memory };
}
