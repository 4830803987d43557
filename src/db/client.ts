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

export function createSql(url: string, options: SqlOptions): postgres.Sql {
  return postgres(url, {
    max: options.max,
    prepare: options.prepare,
    max_pipeline: options.maxPipeline ?? 100,
    idle_timeout: 60,
    connect_timeout: 5,
    onnotice: () => {},
    connection: { application_name: options.applicationName },
  });
}
