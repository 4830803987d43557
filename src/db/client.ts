/** The postgres.js pool; created by entrypoints, passed to everything else. */
import postgres from "postgres";

export interface SqlOptions {
  max: number;
  /** Shown in pg_stat_activity. */
  applicationName: string;
  /** Prepared statements cut parse and plan time per query; off behind a transaction pooler. */
  prepare: boolean;
  /**
   * Queries sent on one connection before their answers are back (postgres.js's default:
   * 100). 1 behind PgBouncer before 1.21 in transaction mode, which hands the server
   * connection to another client at the first answer that ends a transaction, while
   * answers to queries pipelined behind it are still to come.
   */
  maxPipeline?: number;
}

/** The longest wait, in seconds, between two attempts to reach Postgres again. */
export const RECONNECT_MAX_DELAY_S = 0.5;

/**
 * Seconds to wait before connection attempt `attempt` (1, 2, …) of a run of failures:
 * 0.1, 0.2, 0.4, then 0.5 at most, each times a jitter of 0.5–1 so that many processes do
 * not knock in step. postgres.js's default grows as 3^attempt/100 up to 20 s, and until
 * that wait is over every query fails at once with the last error, even after Postgres is
 * back: a 3 s outage left the API failing for 4–7 s after Postgres accepted connections.
 */
export function reconnectDelaySeconds(attempt: number, random = Math.random()): number {
  return Math.min(0.05 * 2 ** attempt, RECONNECT_MAX_DELAY_S) * (0.5 + random / 2);
}

export function createSql(url: string, options: SqlOptions): postgres.Sql {
  return postgres(url, {
    max: options.max,
    prepare: options.prepare,
    max_pipeline: options.maxPipeline ?? 100,
    idle_timeout: 60,
    connect_timeout: 5,
    backoff: (attempt) => reconnectDelaySeconds(attempt),
    onnotice: () => {},
    connection: { application_name: options.applicationName },
  });
}
