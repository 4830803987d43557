/** The postgres.js pool; created by entrypoints, passed to everything else. */
import postgres from "postgres";

export interface SqlOptions {
  max: number;
  /** Shown in pg_stat_activity. */
  applicationName: string;
  /** Prepared statements cut parse and plan time per query; off behind a transaction pooler. */
  prepare: boolean;
}

/**
 * Queries sent to a connection that is still running one (postgres.js' default: up to 100).
 * With the default, every query pipelined while all connections are busy leaves a hole in
 * postgres.js 3.4's queue of busy connections, which is an array searched end to end each
 * time a connection goes idle: under sustained load it grew by ~0.8 entries a query (160,000
 * after 200,000 queries at 16 in flight on 4 connections), so each query cost more the longer
 * the process ran, and API memory grew with it. With 1 the queue stays a few entries long,
 * and a query stuck on one connection holds up at most one other.
 */
export const MAX_PIPELINE = 1;

export function createSql(url: string, options: SqlOptions): postgres.Sql {
  return postgres(url, {
    max: options.max,
    prepare: options.prepare,
    idle_timeout: 60,
    connect_timeout: 5,
    onnotice: () => {},
    // Spread: postgres.js reads max_pipeline but its types do not declare it.
    ...{ max_pipeline: MAX_PIPELINE },
    connection: { application_name: options.applicationName },
  });
}
