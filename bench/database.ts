/**
 * The benchmark's own databases: created fresh, migrated by the checkout under test's own
 * `deno task migrate` (so a baseline gets its own schema), dropped at the end.
 */
import postgres from "postgres";
import { runTask } from "./processes.ts";

export interface BenchDatabase {
  name: string;
  url: string;
  /** A small pool for the benchmark's own queries (not the service's). */
  sql: postgres.Sql;
  drop(): Promise<void>;
}

const NAME_PREFIX = "payouts_bench_";

/** The `<suffix>` of `payouts_bench_<suffix>`, for a database named after another. */
export function benchSuffix(db: BenchDatabase): string {
  return db.name.slice(NAME_PREFIX.length);
}

/**
 * Creates `payouts_bench_<suffix>` on the server of `serverUrl` and migrates it with the
 * migrations and migrate task of the checkout in `root`.
 */
export async function createBenchDatabase(
  serverUrl: string,
  suffix: string,
  root: string,
): Promise<BenchDatabase> {
  const name = `${NAME_PREFIX}${suffix}`;
  const admin = adminUrl(serverUrl);
  await adminStatement(admin, `create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const sql = postgres(url.href, { max: 2, onnotice: () => {} });
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    await sql.end({ timeout: 5 });
    await adminStatement(admin, `drop database if exists ${name} with (force)`);
  };
  try {
    await runTask("migrate", [], { cwd: root, env: { DATABASE_URL: url.href } });
  } catch (error) {
    await drop();
    throw error;
  }
  return { name, url: url.href, sql, drop };
}

/**
 * Drops every database of the run `id` that is left (`payouts_bench_<id>` and those named
 * after it): what an interrupted run had no time to drop itself.
 */
export async function dropRunDatabases(serverUrl: string, id: string): Promise<void> {
  const sql = postgres(adminUrl(serverUrl), { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ datname: string }[]>`
      select datname from pg_database where starts_with(datname, ${NAME_PREFIX + id})
    `;
    for (const { datname } of rows) {
      await sql.unsafe(`drop database if exists ${datname} with (force)`);
    }
  } finally {
    await sql.end();
  }
}

/** The maintenance database on the server of `serverUrl`. */
function adminUrl(serverUrl: string): string {
  const url = new URL(serverUrl);
  url.pathname = "/postgres";
  return url.href;
}

async function adminStatement(url: string, statement: string): Promise<void> {
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    // `name` is built from hex digits, lowercase letters and underscores: it needs no quoting.
    await admin.unsafe(statement);
  } finally {
    await admin.end();
  }
}
