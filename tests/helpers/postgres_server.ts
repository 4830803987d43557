/**
 * A private Postgres cluster (initdb + pg_ctl) on a free loopback port, for tests that must
 * stop and restart Postgres without touching the shared server that other tests use. Its
 * data directory is a temp dir, removed by `close()`. initdb refuses to run as root, so as
 * root the binaries run as the `postgres` OS user.
 */
import postgres from "postgres";
import { sleep } from "../../src/runtime/sleep.ts";
import { freePort } from "./processes.ts";
import { waitFor } from "./wait.ts";

const BIN_DIRS = [
  "/usr/lib/postgresql/17/bin",
  "/usr/lib/postgresql/16/bin",
  "/usr/lib/postgresql/15/bin",
];

export interface PostgresServer {
  port: number;
  /** `postgres://postgres@127.0.0.1:<port>/postgres`: trust authentication, superuser. */
  adminUrl: string;
  /** Whether the cluster is running. */
  readonly running: boolean;
  /**
   * Stops the cluster and waits until it has: `fast` (the default) rolls back sessions and
   * closes them, as a service restart does; `immediate` is a crash.
   */
  stop(mode?: "fast" | "immediate"): Promise<void>;
  /** Starts the cluster again and waits until it accepts connections. */
  start(): Promise<void>;
  /** Stops it, waits `downMs`, starts it; resolves once it accepts connections again. */
  restart(downMs: number): Promise<void>;
  /** Stops the cluster if it runs and deletes its data; call it in `finally`. */
  close(): Promise<void>;
}

/** The directory of initdb and pg_ctl, or undefined when no Postgres server is installed. */
export function postgresBinDir(): string | undefined {
  return BIN_DIRS.find((dir) => {
    try {
      return Deno.statSync(`${dir}/pg_ctl`).isFile && Deno.statSync(`${dir}/initdb`).isFile;
    } catch {
      return false;
    }
  });
}

/** Why tests that need a private cluster cannot run here, or undefined when they can. */
export function postgresServerSkipReason(): string | undefined {
  return postgresBinDir()
    ? undefined
    : `no Postgres server binaries in ${BIN_DIRS.join(", ")} (Debian: apt-get install postgresql)`;
}

/** initdb's a fresh cluster in a temp dir, starts it on a free port, waits until it answers. */
export async function startPostgresServer(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  if (!bin) throw new Error(postgresServerSkipReason());
  const owner = Deno.uid() === 0 ? await userIds("postgres") : undefined;
  const dir = await Deno.makeTempDir({ prefix: "payouts-pg-" });
  if (owner) await Deno.chown(dir, owner.uid, owner.gid);
  const data = `${dir}/data`;
  const port = freePort();
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const pg = (tool: string, args: string[]) => run(`${bin}/${tool}`, args, owner !== undefined);
  let running = false;

  const start = async () => {
    // Not `-w`: we poll ourselves, so start() resolves within ~20 ms of the first accept.
    await pg("pg_ctl", [
      "start",
      "-D",
      data,
      "-W",
      "-l",
      `${dir}/server.log`,
      "-o",
      `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} ` +
      "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100",
    ]);
    running = true;
    try {
      await waitFor(() => accepts(adminUrl), {
        timeoutMs: 30_000,
        intervalMs: 20,
        message: `the private Postgres on port ${port} to accept connections`,
      });
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${readLog(`${dir}/server.log`)}`);
    }
  };

  const stop = async (mode: "fast" | "immediate" = "fast") => {
    if (!running) return;
    running = false;
    await pg("pg_ctl", ["stop", "-D", data, "-m", mode, "-w", "-t", "30"]);
  };

  await pg("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"]);
  await start();
  return {
    port,
    adminUrl,
    get running() {
      return running;
    },
    stop,
    start,
    async restart(downMs) {
      await stop();
      await sleep(downMs);
      await start();
    },
    async close() {
      try {
        await stop("immediate");
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  };
}

/** Runs a Postgres tool (as the postgres user when `asPostgres`); throws with its output. */
async function run(tool: string, args: string[], asPostgres: boolean): Promise<void> {
  const [command, all] = asPostgres
    ? ["runuser", ["-u", "postgres", "--", tool, ...args]]
    : [tool, args];
  const { code, stdout, stderr } = await new Deno.Command(command, {
    args: all,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    const decoder = new TextDecoder();
    throw new Error(
      `${tool} ${args[0]} exited with ${code}: ${decoder.decode(stderr)}${decoder.decode(stdout)}`,
    );
  }
}

async function userIds(name: string): Promise<{ uid: number; gid: number }> {
  const ids = async (flag: string) => {
    const { stdout } = await new Deno.Command("id", { args: [flag, name] }).output();
    return Number(new TextDecoder().decode(stdout).trim());
  };
  return { uid: await ids("-u"), gid: await ids("-g") };
}

/** One `select 1` on a short-lived connection; false while the server does not accept. */
async function accepts(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 1, onnotice: () => {} });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 0 });
  }
}

function readLog(path: string): string {
  try {
    return Deno.readTextFileSync(path).slice(-2000);
  } catch {
    return "";
  }
}
