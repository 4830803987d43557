/**
 * Throwaway Postgres databases for integration tests. Every database gets a
 * random name, so test files can run in parallel and twice in a row.
 *
 * @module
 */
import postgres from "postgres";
import { migrate } from "../../src/db/migrator.ts";

const DEFAULT_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres";
const MIGRATIONS_DIR = new URL("../../migrations/", import.meta.url);

/** A fresh database plus a client connected to it. */
export interface TestDatabase {
  /** Connection URL of the database. */
  url: string;
  /** Database name, `payouts_test_<random hex>`. */
  name: string;
  /** Client for the database; `drop()` ends it. */
  sql: postgres.Sql;
  /** Ends `sql` and drops the database, even if other sessions remain. */
  drop(): Promise<void>;
}

/** Options for {@linkcode createTestDatabase}. */
export interface CreateTestDatabaseOptions {
  /** Apply the repo's `migrations/` (default true); false leaves it bare. */
  migrate?: boolean;
  /** The server's admin URL: the shared test server unless given (e.g. a private cluster). */
  adminUrl?: string;
}

/** Creates a uniquely named database, migrated unless asked otherwise. */
export async function createTestDatabase(
  options: CreateTestDatabaseOptions = {},
): Promise<TestDatabase> {
  const name = uniqueDatabaseName();
  const admin = options.adminUrl ?? adminUrl();
  await adminQuery(`create database ${quoteIdent(name)}`, admin);
  const url = testDatabaseUrl(name, admin);
  const sql = testSql(url);
  const drop = async () => {
    await sql.end();
    await dropDatabase(name, admin);
  };
  try {
    if (options.migrate ?? true) await migrate(sql, MIGRATIONS_DIR);
  } catch (err) {
    await drop();
    throw err;
  }
  return { url, name, sql, drop };
}

/** Runs `fn` with a fresh test database and drops it afterwards, whatever happened. */
export async function withTestDatabase(
  fn: (db: TestDatabase) => Promise<void>,
  options: CreateTestDatabaseOptions = {},
): Promise<void> {
  const db = await createTestDatabase(options);
  try {
    await fn(db);
  } finally {
    await db.drop();
  }
}

/** A postgres.js client with the options every test should use. */
export function testSql(url: string): postgres.Sql {
  return postgres(url, { max: 4, onnotice: () => {} });
}

/** A random `payouts_test_<hex>` name; nothing is created. */
export function uniqueDatabaseName(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0"));
  return `payouts_test_${hex.join("")}`;
}

/**
 * URL of database `name` on the test server; nothing is created. postgres.js
 * does not percent-decode the path, so `name` must be URL-safe.
 */
export function testDatabaseUrl(name: string, admin = adminUrl()): string {
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.href;
}

/** Drops database `name` if it exists, disconnecting any sessions. */
export async function dropDatabase(name: string, admin = adminUrl()): Promise<void> {
  await adminQuery(`drop database if exists ${quoteIdent(name)} with (force)`, admin);
}

function adminUrl(): string {
  return Deno.env.get("TEST_DATABASE_ADMIN_URL") || DEFAULT_ADMIN_URL;
}

// Short-lived on purpose: a long-lived admin client would trip Deno's
// resource sanitizer in whichever test happened to open it.
async function adminQuery(statement: string, url: string): Promise<void> {
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(statement);
  } finally {
    await admin.end();
  }
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** How much each count in `after` grew since `before` (for row counts taken around a run). */
export function growth<K extends string>(
  before: Record<K, number>,
  after: Record<K, number>,
): Record<K, number> {
  const grown = {} as Record<K, number>;
  for (const key of Object.keys(after) as K[]) grown[key] = after[key] - before[key];
  return grown;
}
