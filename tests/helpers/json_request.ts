/** Request bodies for the JSON API tests. */
import assert from "node:assert/strict";
import type { TestApp } from "./app.ts";

/** `defaults` with `overrides` applied: a value replaces the field, undefined removes it. */
export function withOverrides(
  defaults: Record<string, unknown>,
  overrides: Record<string, unknown>,
): Record<string, unknown> {
  const body: Record<string, unknown> = { ...defaults, ...overrides };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete body[key];
  }
  return body;
}

/** A raw JSON text as it is, anything else stringified. */
export function jsonText(body: unknown): string {
  return typeof body === "string" ? body : JSON.stringify(body);
}

/** POSTs a raw JSON text (or a value to stringify) to `path` with the test key. */
export async function postJson(t: TestApp, path: string, body: unknown): Promise<Response> {
  return await t.request(path, { method: "POST", headers: t.headers, body: jsonText(body) });
}

/** POSTs `body` to `path` and returns the response and its JSON; fails unless it is a 201. */
export async function postCreated<T>(
  t: TestApp,
  path: string,
  body: unknown,
): Promise<{ response: Response; created: T }> {
  const response = await postJson(t, path, body);
  const created = await response.json();
  assert.equal(response.status, 201, JSON.stringify(created));
  return { response, created };
}
