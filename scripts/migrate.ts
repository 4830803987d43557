/**
 * Creates the database if needed and applies pending migrations.
 *
 *     deno run --allow-net --allow-env --allow-read scripts/migrate.ts
 *
 * Reads `DATABASE_DIRECT_URL` or else `DATABASE_URL`. Exits 1 with a single `migrate: <message>` line on
 * stderr on any failure.
 *
 * @module
 */
import postgres from "postgres";
import { parseConfig } from "../src/config.ts";
import {
  ensureDatabase,
  migrate,
  type MigrationLog,
  type MigrationResult,
} from "../src/db/migrator.ts";

const MIGRATIONS_DIR = new URL("../migrations/", import.meta.url);

/** What {@linkcode runMigrations} did. */
export interface RunMigrationsResult extends MigrationResult {
  /** Whether the database itself had to be created first. */
  createdDatabase: boolean;
}

/**
 * Ensures the database exists, then applies the repo's `migrations/` to it.
 * Opens and closes its own connection.
 */
export async function runMigrations(
  databaseUrl: string,
  log: MigrationLog = () => {},
): Promise<RunMigrationsResult> {
  const createdDatabase = await ensureDatabase(databaseUrl, log);
  // One connection suffices: migrate does all its work on a reserved one.
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const result = await migrate(sql, MIGRATIONS_DIR, log);
    return { createdDatabase, ...result };
  } finally {
    await sql.end();
  }
}

/**
 * DATABASE_DIRECT_URL, else DATABASE_URL, as the service reads them (same default, same
 * validation): the migrator's session advisory lock needs a session, past any pooler.
 */
function databaseUrlFromEnv(): string {
  const config = parseConfig(Deno.env.toObject());
  return config.DATABASE_DIRECT_URL || config.DATABASE_URL;
}

// One line, no stack: this is read by people and by deploy logs.
function oneLine(err: unknown): string {
  let msg = err instanceof Error ? err.message : String(err);
  // Node-style connects to several addresses (e.g. localhost) fail with an
  // AggregateError whose own message is empty.
  if (!msg && err instanceof AggregateError) {
    msg = err.errors.map((e) => e instanceof Error ? e.message : String(e))
      .join("; ");
  }
  return (msg || String(err)).replace(/\s*\n\s*/g, " ");
}

if (import.meta.main) {
  try {
    const { applied, alreadyApplied } = await runMigrations(
      databaseUrlFromEnv(),
      (msg) => console.log(msg),
    );
    console.log(
      `${applied.length} migration(s) applied, ${alreadyApplied.length} already applied`,
    );
  } catch (err) {
    console.error(`migrate: ${oneLine(err)}`);
    Deno.exit(1);
  }
}
