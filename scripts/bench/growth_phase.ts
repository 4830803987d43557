/**
 * The growth phase: do reads slow down as the table grows? HEAD's own seed task loads a
 * finished history (`deno task seed --history`, no jobs) up to each size in turn, and at
 * each size wrk measures the list's first page, the list filtered by status, the list
 * from a cursor halfway through the walk, and get-by-id.
 */
import { encodeCursor } from "../../src/payouts/cursor.ts";
import {
  countPayouts,
  listPositionAt,
  sampleVisiblePayoutIds,
  settleSeededPayouts,
  truncatePayouts,
} from "./bench.repository.ts";
import { type BenchContext, serviceEnv } from "./context.ts";
import { runTask } from "./processes.ts";
import { startApi, stopService } from "./services.ts";
import { round } from "./stats.ts";
import { runWrk } from "./wrk.ts";

export interface GrowthScenario {
  size: number;
  endpoint: string;
  connections: number;
  requests: number;
  rps: number;
  p50_ms: number;
  p99_ms: number;
  non_2xx: number;
  /** Seconds the seed task took to grow the table to this size. */
  seed_s: number;
  /** Requests of this read's own warm-up, right before it was measured. */
  warm_up_requests: number;
  /** Whether the seeded table was checkpointed before the reads (it needs the privilege). */
  checkpointed: boolean;
}

const GET_IDS = 1000;
const WARM_UP_S = 2;
/** A minority status, so the filter must use its index rather than skim the newest rows. */
export const GROWTH_STATUS = "failed";

/** Measures every growth scenario at every size; returns them and the API's peak RSS. */
export async function runGrowth(
  ctx: BenchContext,
  print: (scenario: GrowthScenario) => void,
): Promise<{ scenarios: GrowthScenario[]; peakRssMb: number }> {
  const scenarios: GrowthScenario[] = [];
  let peak = 0;
  const connections = ctx.options.connections[0];
  await truncatePayouts(ctx.db.sql);
  await ctx.redis.del(ctx.names.stream, ctx.names.deadLetter);
  for (const size of ctx.options.growthSizes) {
    const started = performance.now();
    const missing = size - await countPayouts(ctx.db.sql);
    await runTask("seed", ["--count", String(missing), "--history"], {
      cwd: ctx.root,
      env: { DATABASE_URL: ctx.db.url, LOG_LEVEL: "warn" },
    });
    const { checkpointed } = await settleSeededPayouts(ctx.db.sql);
    const seedS = round((performance.now() - started) / 1000, 1);
    const ids = await sampleVisiblePayoutIds(ctx.db.sql, GET_IDS);
    const middle = await listPositionAt(ctx.db.sql, Math.floor(size / 2));
    if (!middle) throw new Error(`growth: no payout halfway through ${size}`);
    const api = await startApi(serviceEnv(ctx, ctx.options.logLevels[0]), ctx.port);
    try {
      const base = {
        baseUrl: api.baseUrl,
        apiKey: ctx.apiKey,
        threads: ctx.options.wrkThreads,
        durationS: ctx.options.durationS,
        connections,
        method: "GET",
        body: "",
      } as const;
      const cases: [string, string[]][] = [
        ["GET /api/payouts/ (first page)", ["/api/payouts/"]],
        [`GET /api/payouts/?status=${GROWTH_STATUS}`, [`/api/payouts/?status=${GROWTH_STATUS}`]],
        ["GET /api/payouts/?cursor= (halfway)", [
          `/api/payouts/?cursor=${encodeCursor(middle)}`,
        ]],
        ["GET /api/payouts/{id}/", ids.map((id) => `/api/payouts/${id}/`)],
      ];
      for (const [endpoint, paths] of cases) {
        // Each read gets a warm-up of its own on this fresh API: measured cold, a read would
        // include V8 compiling its path, which varies from one start to the next and has
        // nothing to do with the table's size.
        const warmUpS = Math.min(WARM_UP_S, ctx.options.durationS);
        const warmUp = await runWrk({ ...base, paths, durationS: warmUpS });
        const result = await runWrk({ ...base, paths });
        const scenario: GrowthScenario = {
          size,
          endpoint,
          connections,
          requests: result.requests,
          rps: round(result.requests / result.seconds, 1),
          p50_ms: result.p50_ms,
          p99_ms: result.p99_ms,
          non_2xx: result.non_2xx + result.socket_errors,
          seed_s: seedS,
          warm_up_requests: warmUp.requests,
          checkpointed,
        };
        scenarios.push(scenario);
        print(scenario);
      }
    } catch (error) {
      await api.child.stop("SIGKILL");
      throw error;
    }
    peak = Math.max(peak, await stopService(api.child));
  }
  return { scenarios, peakRssMb: peak };
}
