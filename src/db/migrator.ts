/**
 * Forward-only SQL migrations: every `*.sql` file in a directory is applied
 * once, in name order, each in its own transaction, and recorded with its
 * checksum in `schema_migrations`.
 *
 * @module
 */
import postgres from "postgres";
import { sha256Hex } from "../hash.ts";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Receives one human-readable line per notable step. */
export type MigrationLog = (msg: string) => void;

/** What a {@linkcode migrate} run did, each list in name order. */
export interface MigrationResult {
  /** Files applied by this run. */
  applied: string[];
  /** Files that an earlier run had already applied. */
  alreadyApplied: string[];
}

/** Base class of every error raised about a specific migration file. */
export class MigrationError extends Error {
  /** File name of the migration concerned, e.g. `0001_payouts.sql`. */
  readonly migration: string;

  constructor(migration: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.migration = migration;
  }
}

/** An already-applied migration file was changed afterwards. */
export class MigrationChecksumError extends MigrationError {
  constructor(migration: string, recorded: string, actual: string) {
    super(
      migration,
      `migration ${migration} was edited after it was applied ` +
        `(recorded sha256 ${recorded.slice(0, 12)}…, file now ${
          actual.slice(0, 12)
        }…); restore it and add a new migration instead`,
    );
  }
}

/** `schema_migrations` records a migration whose file no longer exists. */
export class MigrationMissingError extends MigrationError {
  constructor(migration: string, dir: string) {
    super(
      migration,
      `migration ${migration} is recorded as applied but its file is missing from ${dir}`,
    );
  }
}

/** A migration failed to apply; its transaction was rolled back. */
export class MigrationFailedError extends MigrationError {
  constructor(migration: string, cause: unknown, line?: number) {
    const where = line === undefined ? "" : ` at line ${line}`;
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      migration,
      `migration ${migration} failed${where}: ${reason} (rolled back, nothing from it was applied)`,
      { cause },
    );
  }
}

// Arbitrary but fixed forever: every version of the migrator must contend for
// the same key or two deploys could migrate one database at the same time.
// Advisory locks are per database, so runs on different databases never wait.
const LOCK_KEY = "7150418223960427010";

const noop: MigrationLog = () => {};

/**
 * Creates the database named in `databaseUrl` if it does not exist yet, via
 * the `postgres` maintenance database on the same server and credentials.
 *
 * Returns true only if this call created it. Returns false when it already
 * existed, when a concurrent caller created it first, or when the role may
 * not create databases (the caller's own connection then fails with the
 * server's error, which names the real problem).
 */
export async function ensureDatabase(
  databaseUrl: string,
  log: MigrationLog = noop,
): Promise<boolean> {
  const target = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  // postgres.js resolves the name exactly as it will when connecting
  // (URL path, then PGDATABASE, then the user name), so reuse its answer. It is null only
  // for a user given as a function, which a URL cannot do.
  const name = target.options.database!;
  try {
    await target`select 1`;
    return false;
  } catch (err) {
    if (pgCode(err) !== "3D000") throw err; // invalid_catalog_name
  } finally {
    await target.end();
  }

  const admin = postgres(databaseUrl, {
    database: "postgres",
    max: 1,
    onnotice: () => {},
  });
  try {
    await admin.unsafe(`create database ${quoteIdent(name)}`);
    log(`created database ${name}`);
    return true;
  } catch (err) {
    const code = pgCode(err);
    // Someone else created it since our probe: 42P04 duplicate_database if
    // they finished first, 23505 on pg_database's name index if both
    // creates passed the server's name check at once (the common race).
    if (code === "42P04" || code === "23505") return false;
    if (code === "42501") {
      log(`may not create database ${name}; assuming it is managed elsewhere`);
      return false;
    }
    throw err;
  } finally {
    await admin.end();
  }
}

/**
 * Applies every pending `*.sql` file in `dir`, in name order.
 *
 * Runs hold a session advisory lock on one reserved connection, so concurrent
 * runs against the same database serialize and each file is applied exactly
 * once. Each file runs in its own transaction together with its
 * `schema_migrations` row, so a failing file leaves nothing behind. Files must
 * not contain their own `begin`/`commit`.
 *
 * @throws {MigrationChecksumError} an applied file was edited.
 * @throws {MigrationMissingError} an applied file was removed from `dir`.
 * @throws {MigrationFailedError} a file failed; earlier files stay applied.
 */
export async function migrate(
  sql: postgres.Sql,
  dir: string | URL,
  log: MigrationLog = noop,
): Promise<MigrationResult> {
  const dirPath = dir instanceof URL ? fileURLToPath(dir) : dir;
  // Read before locking so a bad directory fails without touching the server.
  const files = await readMigrationFiles(dirPath);

  const conn = await sql.reserve();
  try {
    const [{ locked }] = await conn`
      select pg_try_advisory_lock(${LOCK_KEY}::bigint) as locked`;
    if (!locked) {
      log("waiting for another migration run to finish");
      await conn`select pg_advisory_lock(${LOCK_KEY}::bigint)`;
    }
    let failed = true;
    try {
      const result = await migrateLocked(conn, files, dirPath, log);
      failed = false;
      return result;
    } finally {
      // Never let a failed unlock mask the error that got us here; if the
      // connection is dead the server dropped the lock with the session.
      await conn`select pg_advisory_unlock(${LOCK_KEY}::bigint)`.catch(
        (err) => {
          if (!failed) throw err;
        },
      );
    }
  } finally {
    conn.release();
  }
}

interface MigrationFile {
  name: string;
  checksum: string;
  body: string;
}

async function migrateLocked(
  conn: postgres.ReservedSql,
  files: MigrationFile[],
  dirPath: string,
  log: MigrationLog,
): Promise<MigrationResult> {
  // Checked first rather than `create table if not exists`, which would send
  // a notice on every run to whatever onnotice the caller configured.
  const [{ exists }] = await conn`
    select to_regclass('schema_migrations') is not null as exists`;
  if (!exists) {
    await conn`
      create table schema_migrations (
        name text primary key,
        checksum text not null,
        applied_at timestamptz not null default now()
      )`;
  }

  const rows = await conn<{ name: string; checksum: string }[]>`
    select name, checksum from schema_migrations order by name`;
  const recorded = new Map(rows.map((r) => [r.name, r.checksum]));
  const byName = new Map(files.map((f) => [f.name, f]));
  // Verify all history before applying anything, so a tampered history never
  // gets new migrations stacked on top of it.
  for (const { name, checksum } of rows) {
    const file = byName.get(name);
    if (!file) throw new MigrationMissingError(name, dirPath);
    if (file.checksum !== checksum) {
      throw new MigrationChecksumError(name, checksum, file.checksum);
    }
  }

  const result: MigrationResult = { applied: [], alreadyApplied: [] };
  for (const file of files) {
    if (recorded.has(file.name)) {
      result.alreadyApplied.push(file.name);
      continue;
    }
    await applyFile(conn, file);
    log(`applied ${file.name}`);
    result.applied.push(file.name);
  }
  return result;
}

async function applyFile(
  conn: postgres.ReservedSql,
  file: MigrationFile,
): Promise<void> {
  // A reserved connection has no sql.begin, so the transaction is explicit.
  await conn.unsafe("begin");
  let inBody = true;
  try {
    await conn.unsafe(file.body);
    inBody = false;
    await conn`
      insert into schema_migrations (name, checksum)
      values (${file.name}, ${file.checksum})`;
    await conn.unsafe("commit");
  } catch (err) {
    // If the connection itself died the server has rolled back already.
    await conn.unsafe("rollback").catch(() => {});
    const line = inBody ? errorLine(file.body, err) : undefined;
    throw new MigrationFailedError(file.name, err, line);
  }
}

async function readMigrationFiles(dirPath: string): Promise<MigrationFile[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dirPath)) {
    if (!entry.isDirectory && entry.name.endsWith(".sql")) {
      names.push(entry.name);
    }
  }
  // Code-unit order, not locale order: identical on every machine.
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return await Promise.all(names.map(async (name) => {
    const bytes = await Deno.readFile(join(dirPath, name));
    return { name, checksum: sha256Hex(bytes), body: decoder.decode(bytes) };
  }));
}

const decoder = new TextDecoder();

// Postgres reports a 1-based character offset into the whole query string;
// a line number is what the person fixing the file needs.
function errorLine(body: string, err: unknown): number | undefined {
  const position = Number((err as { position?: unknown })?.position);
  if (!Number.isInteger(position) || position < 1) return undefined;
  return Array.from(body).slice(0, position - 1).join("").split("\n").length;
}

function pgCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown })?.code;
  return typeof code === "string" ? code : undefined;
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
