/** Shared steps of the payout HTTP tests: creating payouts and checking problem documents. */
import assert from "node:assert/strict";
import type { TestApp } from "../helpers/app.ts";
import { jsonText, postCreated, postJson, withOverrides } from "../helpers/json_request.ts";

/** A valid create body; `overrides` replace (or, when undefined, remove) fields. */
export function payoutBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return withOverrides({
    amount: "125.50",
    currency: "USD",
    recipient_details: { account: "DE89370400440532013000" },
    description: "Invoice 42",
  }, overrides);
}

/** POSTs a raw JSON text (or a value to stringify) to `/api/payouts/`. */
export async function postPayout(
  t: TestApp,
  body: unknown,
  path = "/api/payouts/",
): Promise<Response> {
  return await postJson(t, path, body);
}

/** Creates a payout and returns its body and ETag; fails the test unless it is a 201. */
export async function createPayout(
  t: TestApp,
  overrides: Record<string, unknown> = {},
): Promise<{ payout: Record<string, unknown> & { id: string }; etag: string }> {
  const { response, created: payout } = await postCreated<
    Record<string, unknown> & { id: string }
  >(t, "/api/payouts/", payoutBody(overrides));
  const etag = response.headers.get("etag");
  assert.ok(etag, "a created payout carries an ETag");
  return { payout, etag };
}

/** A payout's path under both API prefixes, with and without the slash; ID stands for the id. */
export const PAYOUT_PATHS = [
  "/api/payouts/ID",
  "/api/payouts/ID/",
  "/api/v1/payouts/ID",
  "/api/v1/payouts/ID/",
];

/** The statuses a payout can be in once it has left pending (and can no longer change). */
export const LEFT_PENDING = ["processing", "completed", "failed"];

/** Creates a payout and moves it to `status` in the database, as the worker would. */
export async function createPayoutIn(
  t: TestApp,
  status: string,
): Promise<Record<string, unknown> & { id: string }> {
  const { payout } = await createPayout(t);
  const reason = status === "failed" ? "declined" : null;
  await t.db.sql`
    update payouts set status = ${status}, failure_reason = ${reason} where id = ${payout.id}
  `;
  return payout;
}

/** PATCHes a payout with a JSON value and optional extra headers. */
export async function patchPayout(
  t: TestApp,
  id: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return await t.request(`/api/payouts/${id}/`, {
    method: "PATCH",
    headers: { ...t.headers, ...headers },
    body: jsonText(body),
  });
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { path: string; message: string }[];
}

/**
 * Asserts a problem+json response with the given status and the RFC 9457 members, and
 * returns its body. Also checks no internals leak into it.
 */
export async function assertProblem(response: Response, status: number): Promise<ProblemBody> {
  const text = await response.text();
  assert.equal(response.status, status, text);
  assert.equal(response.headers.get("content-type"), "application/problem+json");
  assertNoInternals(text);
  const body = JSON.parse(text) as ProblemBody;
  assert.equal(body.status, status);
  assert.equal(typeof body.type, "string");
  assert.ok(body.type.length > 0);
  assert.equal(typeof body.title, "string");
  assert.ok(body.title.length > 0);
  assert.equal(typeof body.detail, "string");
  assert.ok(body.detail.length > 0);
  if (status === 400) {
    assert.ok(Array.isArray(body.errors) && body.errors.length > 0, "a 400 lists errors[]");
    for (const error of body.errors) {
      assert.equal(typeof error.path, "string");
      assert.equal(typeof error.message, "string");
    }
  }
  return body;
}

/** Asserts a 400 whose errors[] names `path` (and returns the problem). */
export async function assertFieldError(response: Response, path: string): Promise<ProblemBody> {
  const body = await assertProblem(response, 400);
  const paths = body.errors!.map((error) => error.path);
  assert.ok(
    paths.includes(path),
    `expected errors[] to name ${path}, got ${JSON.stringify(paths)}`,
  );
  return body;
}

/** Error bodies never carry SQL, driver names or stack traces. */
export function assertNoInternals(text: string): void {
  for (const leak of [/postgres/i, /\bSELECT\b/i, /at file:/, /\n\s+at /, /\.ts:\d+/]) {
    assert.doesNotMatch(text, leak);
  }
}
