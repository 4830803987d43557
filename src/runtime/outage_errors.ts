/**
 * Which errors mean "a dependency is unreachable right now" rather than "this job is bad",
 * and which dependency it is. A job that hits one is held and retried in place, so an
 * outage does not count against the job's delivery limit and send healthy payouts to the
 * dead-letter stream; a request that hits one is answered 503 with Retry-After.
 */

export type Dependency = "postgres" | "redis";

const CONNECTION_CODES = new Set([
  // postgres.js
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  // sockets (postgres.js passes its socket's errors on; ioredis never does, see below)
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  // Postgres: shutting down, starting up, too many connections, read-only after failover
  "57P01",
  "57P02",
  "57P03",
  "53300",
  "25006",
]);

// ioredis reports a lost connection, a command timeout or an exhausted retry budget by
// message only, and rejects commands with these instead of the socket's error; a replica
// that is loading, read-only after a failover or without its master says so in its reply.
const REDIS_MESSAGES =
  /Connection is closed|Command timed out|Stream isn't writeable|Reached the max retries per request limit|Socket timeout|^(LOADING|READONLY|MASTERDOWN) /;
// Postgres says this with the generic code 55000 when a database is closed to new
// connections. PgBouncer 1.18 sends its own errors as 08P01 (a connection code, above);
// later versions pass the server's code on or use others for some of them, so PgBouncer's
// messages say it as well: the server is down or refusing logins, its connection died
// under a query, no server connection came free in time, or the pooler is full.
const POSTGRES_MESSAGES = new RegExp(
  [
    "not currently accepting connections",
    "ECONNREFUSED",
    "^server login has been failing",
    "^pgbouncer cannot connect to server",
    "^server conn crashed\\?",
    "^query_wait_timeout",
    "^no more connections allowed",
  ].join("|"),
);

/** The dependency an error says is unreachable or restarting; undefined for any other error. */
export function outageDependency(error: unknown): Dependency | undefined {
  if (!(error instanceof Error)) return undefined;
  if (REDIS_MESSAGES.test(error.message)) return "redis";
  const code = String((error as { code?: unknown }).code ?? "");
  if (CONNECTION_CODES.has(code) || code.startsWith("08")) return "postgres";
  return POSTGRES_MESSAGES.test(error.message) ? "postgres" : undefined;
}

/** True for errors caused by Postgres or Redis being unreachable or restarting. */
export function isOutageError(error: unknown): boolean {
  return outageDependency(error) !== undefined;
}
