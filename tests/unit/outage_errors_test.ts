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
