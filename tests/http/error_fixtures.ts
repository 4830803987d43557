/** Shared steps of the HTTP error tests of the payout and webhook routes. */
import assert from "node:assert/strict";
import type { TestApp } from "../helpers/app.ts";
import { assertProblem, type ProblemBody } from "./payout_fixtures.ts";

/** The largest request body the API routes accept, in bytes. */
export const BODY_LIMIT = 65_536;

/** `value` as JSON text padded with white space to exactly `size` bytes. */
export function paddedJson(value: unknown, size: number): Uint8Array<ArrayBuffer> {
  const json = JSON.stringify(value);
  return new TextEncoder().encode(json + " ".repeat(size - json.length));
}

/** The test key's Authorization header alone, without a content type. */
export function auth(t: TestApp): Record<string, string> {
  return { Authorization: t.headers.Authorization };
}

/** Asserts that `method path` with `headers` as credentials is a 401 asking for Bearer. */
export async function assertUnauthenticated(
  t: TestApp,
  method: string,
  path: string,
  headers: Record<string, string>,
  message?: string,
): Promise<void> {
  const response = await t.request(path, {
    method,
    headers: { "Content-Type": "application/json", ...headers },
    body: method === "POST" || method === "PATCH" ? "{}" : undefined,
  });
  await assertProblem(response, 401);
  assert.match(response.headers.get("www-authenticate") ?? "", /^Bearer\b/, message);
}

/** Asserts that `method path` is a 405 whose Allow lists `allowed` and not `method`. */
export async function assertMethodNotAllowed(
  t: TestApp,
  method: string,
  path: string,
  allowed: string[],
): Promise<void> {
  const response = await t.request(path, {
    method,
    headers: t.headers,
    body: method === "GET" || method === "DELETE" ? undefined : "{}",
  });
  await assertProblem(response, 405);
  const allow = (response.headers.get("allow") ?? "").split(",").map((m) => m.trim());
  for (const m of allowed) assert.ok(allow.includes(m), `${method} ${path}: Allow ${allow}`);
  assert.ok(!allow.includes(method), `${method} ${path}: Allow must not list ${method}`);
}

/** One step of a precedence ladder: a request and the problem status it must get. */
export interface Rung {
  method: string;
  headers?: Record<string, string>;
  body: BodyInit;
  status: number;
}

/** Sends each rung's request to `path` in order, asserting its problem; returns the problems. */
export async function assertLadder(
  t: TestApp,
  path: string,
  rungs: Rung[],
): Promise<ProblemBody[]> {
  const problems: ProblemBody[] = [];
  for (const { method, headers, body, status } of rungs) {
    problems.push(await assertProblem(await t.request(path, { method, headers, body }), status));
  }
  return problems;
}

/**
 * Ids no route may answer with anything but a 404: unknown, malformed, over-long, badly
 * encoded, and an injection attempt against `table`.
 */
export function unknownAndMalformedIds(table: string): string[] {
  return [
    crypto.randomUUID(),
    "abc",
    "00000000-0000-0000-0000-000000000000",
    encodeURIComponent(`'; drop table ${table}; --`),
    "x".repeat(10_000),
    "%00",
    "%ED%A0%80",
    "%E0%A4%A",
    "%",
    `${crypto.randomUUID()}x`,
  ];
}
