/** The postgres.js pool; created by entrypoints, passed to everything else. */
import postgres from "postgres";

export interface SqlOptions {
  max: number;
  /** Shown in pg_stat_activity. */
  applicationName: string;
  /** Prepared statements cut parse and plan time per query; off behind a transaction pooler. */
  prepare: boolean;
}

export function createSql(url: string, options: SqlOptions): postgres.Sql {
  return postgres(url, {
    max: options.max,
    prepare: options.prepare,
    idle_timeout: 60,
    connect_timeout: 5,
    onnotice: () => {},
    connection: { application_name: options.applicationName },
  });
}
