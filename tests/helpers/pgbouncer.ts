/**
 * A private PgBouncer (Debian `pgbouncer`) in transaction pooling mode in front of the
 * shared test Postgres (or another server on loopback), for the topology tests: any
 * database name is passed through to it, trust authentication as the test servers have. PgBouncer 1.18 (Debian 12)
 * cannot keep prepared statements apart in transaction mode (`max_prepared_statements`
 * came in 1.21), so the processes behind it run with DATABASE_PREPARE=false.
 */
import { accepts, type Daemon, daemonDir, installed, startDaemon } from "./daemon.ts";
import { freePort } from "./processes.ts";

export const PGBOUNCER = "/usr/sbin/pgbouncer";

export interface PgBouncer extends Daemon {
  port: number;
  /** `postgres://postgres@127.0.0.1:<port>/<database>`: the same database, pooled. */
  urlOf(databaseUrl: string): string;
}

export function pgbouncerInstalled(): boolean {
  return installed(PGBOUNCER);
}

/**
 * Writes a throwaway config and starts PgBouncer on a free port, in front of the Postgres
 * on 127.0.0.1:`serverPort` (default the shared test server's 5432).
 */
export async function startPgBouncer(serverPort = 5432): Promise<PgBouncer> {
  const dir = await daemonDir("pgbouncer-");
  const port = freePort();
  await Deno.writeTextFile(`${dir}/users.txt`, `"postgres" ""\n`);
  await Deno.writeTextFile(
    `${dir}/pgbouncer.ini`,
    [
      "[databases]",
      `* = host=127.0.0.1 port=${serverPort}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      "auth_type = trust",
      `auth_file = ${dir}/users.txt`,
      "pool_mode = transaction",
      "max_client_conn = 500",
      // The shared server allows 100 connections for everyone on this machine.
      "default_pool_size = 8",
      "server_reset_query =",
      // After a failed login PgBouncer waits this long before the next (default 15 s): with
      // the default, Postgres back after a restart is used up to 15 s later.
      "server_login_retry = 0.5",
      // A query queued for a server connection fails after this (default 120 s), so that a
      // longer outage is answered (503) rather than left hanging.
      "query_wait_timeout = 10",
      "ignore_startup_parameters = extra_float_digits",
      "log_connections = 0",
      "log_disconnections = 0",
      "",
    ].join("\n"),
  );
  // PgBouncer refuses to run as root; -u makes it drop to an ordinary user.
  const asUser = Deno.uid() === 0 ? ["-u", "postgres"] : [];
  const daemon = await startDaemon({
    name: "pgbouncer",
    command: PGBOUNCER,
    args: [...asUser, `${dir}/pgbouncer.ini`],
    ready: () => accepts(port),
    dir,
  });
  return Object.assign(daemon, {
    port,
    urlOf(databaseUrl: string) {
      const url = new URL(databaseUrl);
      url.port = String(port);
      return url.href;
    },
  });
}
