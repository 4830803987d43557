import assert from "node:assert/strict";
import { isOutageError, outageDependency } from "../../src/runtime/outage_errors.ts";

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

Deno.test("connection failures of Postgres and Redis count as outages", () => {
  assert.ok(isOutageError(withCode("write CONNECTION_CLOSED", "CONNECTION_CLOSED")));
  assert.ok(isOutageError(withCode("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED")));
  assert.ok(isOutageError(withCode("terminating connection", "57P01")));
  assert.ok(isOutageError(withCode("connection failure", "08006")));
  assert.ok(isOutageError(new Error("Connection is closed.")));
  assert.ok(isOutageError(new Error("Command timed out")));
});

Deno.test("errors about the job itself are not outages", () => {
  assert.equal(isOutageError(withCode("invalid input syntax for type uuid", "22P02")), false);
  assert.equal(isOutageError(withCode("check constraint violated", "23514")), false);
  assert.equal(isOutageError(new TypeError("x is undefined")), false);
  assert.equal(isOutageError("a string"), false);
});

Deno.test("a database closed to new connections counts as an outage", () => {
  const error = withCode('database "payouts" is not currently accepting connections', "55000");
  assert.ok(isOutageError(error));
});

Deno.test("an outage error names the dependency it came from", () => {
  const postgresErrors = [
    withCode("write CONNECTION_CLOSED 127.0.0.1:5432", "CONNECTION_CLOSED"),
    withCode("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED"),
    withCode("the database system is starting up", "57P03"),
    withCode("terminating connection due to administrator command", "57P01"),
  ];
  for (const error of postgresErrors) assert.equal(outageDependency(error), "postgres");
  const redisErrors = [
    new Error("Connection is closed."),
    new Error("Stream isn't writeable and enableOfflineQueue options is false"),
    new Error("Reached the max retries per request limit (which is 0). Refer to ..."),
    new Error("Command timed out"),
    new Error("READONLY You can't write against a read only replica."),
  ];
  for (const error of redisErrors) assert.equal(outageDependency(error), "redis");
  assert.equal(outageDependency(withCode("duplicate key value", "23505")), undefined);
  assert.equal(outageDependency(new Error("READONLY-ish text in a message")), undefined);
});

// What postgres.js gave through PgBouncer 1.18 in transaction mode (probed on this machine):
// PgBouncer killed or stopped, Postgres stopped fast or immediately behind it, the pooler
// full or its queue timing out. Each is an outage of Postgres, so a 503, never a 500.
const THROUGH_PGBOUNCER: [string, string, string][] = [
  ["PgBouncer killed: the query's connection", "CONNECTION_CLOSED", "write CONNECTION_CLOSED"],
  ["PgBouncer down: the next connect", "ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:6432"],
  ["nothing answers behind PgBouncer", "CONNECT_TIMEOUT", "write CONNECT_TIMEOUT 127.0.0.1:6432"],
  [
    "Postgres stopped fast mid-query",
    "57P01",
    "terminating connection due to administrator command",
  ],
  ["Postgres stopped immediately mid-query", "08P01", "server conn crashed?"],
  [
    "Postgres down: a new client",
    "08P01",
    "server login has been failing, try again later (server_login_retry)",
  ],
  ["Postgres down: older PgBouncer fast-fail", "08P01", "pgbouncer cannot connect to server"],
  ["no server connection free in time", "08P01", "query_wait_timeout"],
  ["the pooler is full", "08P01", "no more connections allowed (max_client_conn)"],
  ["the database was KILLed at the pooler", "08P01", "database removed"],
  ["the database is DISABLEd at the pooler", "08P01", 'database "payouts" is disabled'],
  ["Postgres starting up, passed on by PgBouncer", "57P03", "the database system is starting up"],
  ["too many connections, as later PgBouncers say", "53300", "no more connections allowed"],
];

for (const [what, code, message] of THROUGH_PGBOUNCER) {
  Deno.test(`through PgBouncer, ${what} (${code}) is a Postgres outage`, () => {
    assert.equal(outageDependency(withCode(message, code)), "postgres");
  });
}

// PgBouncer's own messages count even under a code that does not (a later version's).
const POOLER_MESSAGES = [
  "server login has been failing, try again later (server_login_retry)",
  "pgbouncer cannot connect to server",
  "server conn crashed?",
  "query_wait_timeout",
  "no more connections allowed (max_client_conn)",
];

for (const message of POOLER_MESSAGES) {
  Deno.test(`PgBouncer's "${message}" is a Postgres outage under any code`, () => {
    assert.equal(outageDependency(withCode(message, "57014")), "postgres");
    assert.equal(outageDependency(withCode(message, "XX000")), "postgres");
  });
}

Deno.test("a statement cancelled or timed out (57014) is not an outage by its code alone", () => {
  assert.equal(
    outageDependency(withCode("canceling statement due to statement timeout", "57014")),
    undefined,
  );
  assert.equal(
    outageDependency(withCode("a query mentioning query_wait_timeout", "42601")),
    undefined,
  );
});
