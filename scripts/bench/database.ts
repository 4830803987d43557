/** The benchmark's own database: created fresh and migrated, dropped at the end. */
import postgres from "postgres";
import { migrate } from "../../src/db/migrator.ts";

const MIGRATIONS_DIR = new URL("../../migrations/", import.meta.url);

export interface BenchDatabase {
  name: string;
  url: string;
  /** A small pool for the benchmark's own queries (not the service's). */
  sql: postgres.Sql;
  drop(): Promise<void>;
}

/** Creates `payouts_bench_<random hex>` on the server of `serverUrl` and migrates it. */
export async function createBenchDatabase(serverUrl: string, id: string): Promise<BenchDatabase> {
  const name = `payouts_bench_${id}`;
  const admin = new URL(serverUrl);
  admin.pathname = "/postgres";
  await adminStatement(admin.href, `create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const sql = postgres(url.href, { max: 2, onnotice: () => {} });
  const drop = async () => {
    await sql.end({ timeout: 5 });
    await adminStatement(admin.href, `drop database if exists ${name} with (force)`);
  };
  try {
    await migrate(sql, MIGRATIONS_DIR);
  } catch (error) {
    await drop();
    throw error;
  }
  return { name, url: url.href, sql, drop };
}

async function adminStatement(url: string, statement: string): Promise<void> {
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    // `name` is built from hex digits only, so it needs no quoting.
    await admin.unsafe(statement);
  } finally {
    await admin.end();
  }
}
