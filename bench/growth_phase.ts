/**
 * The growth phase: do reads slow down as the table grows? HEAD's own seed task loads a
 * finished history (`deno task seed --history`, no jobs) of each size into a database of
 * its own, and at each size wrk measures the list's first page, the list filtered by
 * status, the list from a cursor halfway through the walk, and get-by-id.
 */
import { listPositionAt, sampleVisiblePayoutIds, settleSeededPayouts } from "./bench.repository.ts";
import { type BenchContext, serviceEnv, wrkBase } from "./context.ts";
import { type BenchDatabase, benchSuffix, createBenchDatabase } from "./database.ts";
import { runTask } from "./processes.ts";
import { startApi, stopService } from "./services.ts";
import { median, round } from "./stats.ts";
import { runWrk } from "./wrk.ts";

/** One measurement of one read at one size, in one round. */
export interface GrowthSample {
  round: number;
  requests: number;
  rps: number;
  p50_ms: number;
  p99_ms: number;
  non_2xx: number;
  /** Requests of this read's own warm-up, right before it was measured. */
  warm_up_requests: number;
}

/** One read at one size: the medians of its rounds, and the rounds themselves. */
export interface GrowthScenario {
  size: number;
  endpoint: string;
  connections: number;
  /** Requests measured, over all rounds. */
  requests: number;
  rps: number;
  p50_ms: number;
  p99_ms: number;
  non_2xx: number;
  /** Seconds the seed task took to fill this size's table. */
  seed_s: number;
  /** Requests of the warm-ups, over all rounds. */
  warm_up_requests: number;
  /** Whether the seeded table was checkpointed before the reads (it needs the privilege). */
  checkpointed: boolean;
  rounds: GrowthSample[];
}

/** A table of one size, seeded and at rest, in a database of its own. */
interface SizedTable {
  size: number;
  db: BenchDatabase;
  seedS: number;
  checkpointed: boolean;
  cases: [string, string[]][];
}

const GET_IDS = 1000;
/** The tag the API puts in its payout list cursors. */
const LIST_CURSOR_TAG = "v1";
const WARM_UP_S = 2;
/** A minority status, so the filter must use its index rather than skim the newest rows. */
export const GROWTH_STATUS = "failed";

/**
 * Measures every read at every size. Each size has a database of its own, seeded before any
 * read, so that the sizes can be measured in alternating rounds (ascending in odd rounds,
 * descending in even ones), as HEAD and the baseline are: a ratio then compares two
 * measurements minutes apart at most, never a quiet minute with a busy one. Returns the
 * scenarios and the API's peak RSS.
 */
export async function runGrowth(
  ctx: BenchContext,
  progress: (line: string) => void,
): Promise<{ scenarios: GrowthScenario[]; peakRssMb: number }> {
  const tables: SizedTable[] = [];
  const samples = new Map<string, GrowthSample[]>();
  let peak = 0;
  try {
    for (const size of ctx.options.growthSizes) {
      const table = await seedTable(ctx, size);
      tables.push(table);
      progress(`  ${size} payouts seeded in ${table.seedS} s`);
    }
    for (let roundNumber = 1; roundNumber <= ctx.options.rounds; roundNumber++) {
      const order = roundNumber % 2 === 1 ? tables : [...tables].reverse();
      for (const table of order) {
        peak = Math.max(
          peak,
          await measureTable(ctx, table, roundNumber, (endpoint, sample) => {
            const key = `${table.size} ${endpoint}`;
            samples.set(key, [...samples.get(key) ?? [], sample]);
            progress(
              `  round ${roundNumber}, ${endpoint} at ${table.size}: ${sample.rps} req/s, ` +
                `p50 ${sample.p50_ms} ms, p99 ${sample.p99_ms} ms`,
            );
          }),
        );
      }
    }
  } finally {
    for (const table of tables) await table.db.drop();
  }
  const scenarios = tables.flatMap((table) =>
    table.cases.map(([endpoint]) =>
      summarizeScenario(ctx, table, endpoint, samples.get(`${table.size} ${endpoint}`) ?? [])
    )
  );
  return { scenarios, peakRssMb: peak };
}

/** A database of HEAD's schema holding `size` finished payouts, and the reads to make of it. */
async function seedTable(ctx: BenchContext, size: number): Promise<SizedTable> {
  const db = await createBenchDatabase(
    ctx.db.url,
    `${benchSuffix(ctx.db)}_growth_${size}`,
    ctx.root,
  );
  try {
    // The run's API key, so that the same key reads every table.
    const [key] = await ctx.db.sql`select * from api_keys where id = ${ctx.actor.apiKeyId}`;
    await db.sql`insert into api_keys ${db.sql(key)}`;
    const started = performance.now();
    await runTask("seed", ["--count", String(size), "--history"], {
      cwd: ctx.root,
      env: { DATABASE_URL: db.url, LOG_LEVEL: "warn" },
    });
    const { checkpointed } = await settleSeededPayouts(db.sql);
    const seedS = round((performance.now() - started) / 1000);
    const ids = await sampleVisiblePayoutIds(db.sql, GET_IDS);
    const middle = await listPositionAt(db.sql, Math.floor(size / 2));
    if (!middle) throw new Error(`growth: no payout halfway through ${size}`);
    const cases: [string, string[]][] = [
      ["GET /api/payouts/ (first page)", ["/api/payouts/"]],
      [`GET /api/payouts/?status=${GROWTH_STATUS}`, [`/api/payouts/?status=${GROWTH_STATUS}`]],
      ["GET /api/payouts/?cursor= (halfway)", [`/api/payouts/?cursor=${listCursor(middle)}`]],
      ["GET /api/payouts/{id}/", ids.map((id) => `/api/payouts/${id}/`)],
    ];
    return { size, db, seedS, checkpointed, cases };
  } catch (error) {
    await db.drop();
    throw error;
  }
}

/**
 * The API's list cursor for `position`: base64url of `<tag>.<created µs>.<id>`, the format of
 * the cursors it hands out as `next_cursor`. Written here from that wire format, as a client
 * would, rather than imported from the service: were the format to change, the halfway read
 * would answer 400, and the run would count it as non-2xx and be invalid, not mismeasured.
 */
function listCursor(position: { createdMicros: string; id: string }): string {
  const text = `${LIST_CURSOR_TAG}.${position.createdMicros}.${position.id}`;
  return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

/** One round of every read on `table`, from a fresh API; returns the API's peak RSS. */
async function measureTable(
  ctx: BenchContext,
  table: SizedTable,
  roundNumber: number,
  record: (endpoint: string, sample: GrowthSample) => void,
): Promise<number> {
  const api = await startApi({
    ...serviceEnv(ctx, ctx.options.logLevels[0]),
    databaseUrl: table.db.url,
  }, ctx.port);
  try {
    const base = {
      ...wrkBase(ctx, api.baseUrl),
      connections: ctx.options.connections[0],
      method: "GET",
      body: "",
    } as const;
    for (const [endpoint, paths] of table.cases) {
      // Each read gets a warm-up of its own on this fresh API: measured cold, a read would
      // include V8 compiling its path, which varies from one start to the next and has
      // nothing to do with the table's size.
      const warmUp = await runWrk({
        ...base,
        paths,
        durationS: Math.min(WARM_UP_S, base.durationS),
      });
      const result = await runWrk({ ...base, paths });
      record(endpoint, {
        round: roundNumber,
        requests: result.requests,
        rps: round(result.requests / result.seconds),
        p50_ms: result.p50_ms,
        p99_ms: result.p99_ms,
        non_2xx: result.non_2xx + result.socket_errors,
        warm_up_requests: warmUp.requests,
      });
    }
  } catch (error) {
    await api.child.stop("SIGKILL");
    throw error;
  }
  return await stopService(api.child);
}

function summarizeScenario(
  ctx: BenchContext,
  table: SizedTable,
  endpoint: string,
  rounds: GrowthSample[],
): GrowthScenario {
  const sum = (pick: (s: GrowthSample) => number) => rounds.reduce((n, s) => n + pick(s), 0);
  return {
    size: table.size,
    endpoint,
    connections: ctx.options.connections[0],
    requests: sum((s) => s.requests),
    rps: round(median(rounds.map((s) => s.rps))),
    p50_ms: median(rounds.map((s) => s.p50_ms)),
    p99_ms: median(rounds.map((s) => s.p99_ms)),
    non_2xx: sum((s) => s.non_2xx),
    seed_s: table.seedS,
    warm_up_requests: sum((s) => s.warm_up_requests),
    checkpointed: table.checkpointed,
    rounds,
  };
}
