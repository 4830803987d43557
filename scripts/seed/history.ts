/** `deno task seed --history`: a finished past of payouts, bulk-loaded with COPY. */
import type { Config } from "../../src/config.ts";
import { createSql } from "../../src/db/client.ts";
import {
  analyzePayouts,
  copySeedHistory,
  type HistoricalPayout,
  type SeedEvent,
} from "./seed.repository.ts";
import { sampleHistoricalPayout } from "./samples.ts";

/** Payouts per transaction: few transactions, each small enough to keep memory flat. */
const BATCH_SIZE = 100_000;
/** One batch builds rows while the other is in COPY: both cores busy, Postgres and us. */
const PARALLEL_BATCHES = 2;
const ACTOR = "seed";

/**
 * Loads `count` finished payouts with their events. Nothing is enqueued: no job is due for
 * them. Returns `queued: count`, since no job is left owing either.
 */
export async function seedHistory(
  config: Config,
  count: number,
  progress: (done: number) => void,
): Promise<{ queued: number }> {
  const sql = createSql(config.DATABASE_URL, {
    max: PARALLEL_BATCHES,
    applicationName: "payouts-seed",
    prepare: config.DATABASE_PREPARE,
    maxPipeline: config.DATABASE_MAX_PIPELINE,
  });
  try {
    await sql`select 1 from payouts limit 0`;
    const now = Date.now();
    let next = 0;
    let done = 0;
    const lane = async () => {
      while (next < count) {
        const size = Math.min(BATCH_SIZE, count - next);
        next += size;
        const payouts: HistoricalPayout[] = [];
        const events: SeedEvent[] = [];
        for (let i = 0; i < size; i++) {
          const sample = sampleHistoricalPayout(now, ACTOR);
          payouts.push(sample.payout);
          events.push(...sample.events);
        }
        await copySeedHistory(sql, payouts, events);
        done += size;
        progress(done);
      }
    };
    await Promise.all(Array.from({ length: PARALLEL_BATCHES }, lane));
    // List queries plan on these statistics: without them a fresh million looks empty.
    await analyzePayouts(sql);
    return { queued: count };
  } finally {
    await sql.end({ timeout: 5 });
  }
}
