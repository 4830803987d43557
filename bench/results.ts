/**
 * The results document (bench/results.json) that the entrypoint writes and the report prints,
 * and what makes a run's figures meaningless.
 */
import type { ApiScenario } from "./api_phase.ts";
import type { SideMemory } from "./ab_phase.ts";
import type { Comparison, GrowthRatio } from "./comparison.ts";
import type { SideName } from "./context.ts";
import type { EndToEndRun } from "./e2e_phase.ts";
import type { GrowthScenario } from "./growth_phase.ts";
import type { OpenLoopRun } from "./open_loop_phase.ts";
import type { MachineInfo } from "./proc_stats.ts";
import type { RawCreateRun, RawProcessingRun } from "./raw_phase.ts";
import type { Target } from "./target.ts";

export interface BenchResults {
  version: 1;
  started_at: string;
  finished_at: string;
  wall_s: number;
  machine: MachineInfo & { postgres: string; redis: string; busy_before_run_pct: number };
  settings: Record<string, unknown>;
  database: string;
  api: ApiScenario[];
  raw_create: RawCreateRun[];
  end_to_end: EndToEndRun[];
  raw_processing: RawProcessingRun[];
  memory: SideMemory;
  /** One per measured pair: a service run and the raw run right after it, same round. */
  ratios: {
    api_post_vs_raw_create: {
      log_level: string;
      connections: number;
      round: number;
      ratio: number;
    }[];
    e2e_vs_raw_processing: { workers: number; round: number; ratio: number }[];
    /** End-to-end payouts/s with one subscribed webhook endpoint ÷ the same round without. */
    e2e_with_webhooks_vs_without: { workers: number; round: number; ratio: number }[];
  };
  /** With --baseline: the two versions measured. */
  sides?: Record<
    SideName,
    { rev: string; commit: string; dirty: boolean; database: string; dir: string }
  >;
  /** With --baseline: HEAD ÷ baseline of every figure measured on both, by round. */
  comparison?: Comparison[];
  /** With --baseline: each side open loop at half its end-to-end rate. */
  open_loop?: OpenLoopRun[];
  /** With --baseline: the baseline's peak RSS (`memory` is HEAD's). */
  baseline_memory?: SideMemory;
  /** With --growth: reads at each table size, and how much they slowed. */
  growth?: GrowthScenario[];
  growth_ratios?: GrowthRatio[];
  targets: Target[];
  /** False when a run had errors (non-2xx, failed payouts): its figures mean nothing. */
  valid: boolean;
  problems: string[];
}

export type Measurements = Pick<
  BenchResults,
  "api" | "raw_create" | "end_to_end" | "raw_processing" | "memory"
>;

/** What makes the figures meaningless: any error the service gave or any unfinished payout. */
export function findProblems(
  m: Measurements & Partial<Pick<BenchResults, "open_loop" | "growth">>,
): string[] {
  const problems: string[] = [];
  const side = (x: { side?: string }) => x.side ? `${x.side}: ` : "";
  for (const s of m.api) {
    if (s.non_2xx > 0 || s.socket_errors > 0) {
      problems.push(
        `${
          side(s)
        }${s.endpoint} at ${s.connections} (${s.log_level}): ${s.non_2xx} non-2xx, ${s.socket_errors} socket errors`,
      );
    }
  }
  for (const o of m.open_loop ?? []) {
    if (o.failed > 0 || o.non_2xx > 0) {
      problems.push(`${o.side}: open loop: ${o.failed} failed, ${o.non_2xx} not created`);
    }
  }
  for (const g of m.growth ?? []) {
    if (g.non_2xx > 0) problems.push(`growth: ${g.endpoint} at ${g.size}: ${g.non_2xx} non-2xx`);
  }
  for (const e of m.end_to_end) {
    const run =
      `${side(e)}end to end${e.webhooks ? " with webhooks" : ""}, ${e.workers} workers, ` +
      `round ${e.round}`;
    if (e.failed > 0 || e.non_2xx > 0) {
      problems.push(`${run}: ${e.failed} failed, ${e.non_2xx} not created`);
    }
    if (e.webhooks && (e.webhooks_failed ?? 0) > 0) {
      problems.push(`${run}: ${e.webhooks_failed} webhook messages failed`);
    }
  }
  return problems;
}
