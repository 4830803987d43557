/**
 * Which errors mean "a dependency is unreachable right now" rather than "this job is bad".
 * A job that hits one is held and retried in place, so an outage does not count against
 * the job's delivery limit and send healthy payouts to the dead-letter stream.
 */

const CONNECTION_CODES = new Set([
  // postgres.js
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  // sockets
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

/** True for errors caused by Postgres or Redis being unreachable or restarting. */
export function isOutageError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = String((error as { code?: unknown }).code ?? "");
  if (CONNECTION_CODES.has(code) || code.startsWith("08")) return true;
  // ioredis reports a lost connection or a command timeout by message only; Postgres says
  // this one with the generic code 55000 when a database is closed to new connections.
  return /Connection is closed|Command timed out|Stream isn't writeable|ECONNREFUSED|not currently accepting connections/
    .test(error.message);
}
