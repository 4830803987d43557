/** Shared steps of the recipient HTTP tests: bodies, creating recipients, scoped keys. */
import assert from "node:assert/strict";
import type { Scope } from "../../src/apikeys/scopes.ts";
import { DEFAULT_SCOPES } from "../../src/apikeys/scopes.ts";
import type { TestApp } from "../helpers/app.ts";
import { jsonText, postCreated, postJson, withOverrides } from "../helpers/json_request.ts";

/** A valid German IBAN (the ISO 13616 example) and its bank's BIC. */
export const IBAN = "DE89370400440532013000";
export const IBAN_SPACED = "DE89 3704 0044 0532 0130 00";
export const BIC = "COBADEFFXXX";
/** A valid French IBAN. */
export const FR_IBAN = "FR1420041010050500013M02606";

/** The masked form the API shows of {@linkcode IBAN}. */
export const MASKED_IBAN = "•••• 3000";

export type Recipient = {
  id: string;
  name: string;
  type: "sepa" | "test";
  currency: string | null;
  account: Record<string, string>;
  metadata: Record<string, string>;
  created_at: string;
  updated_at: string;
};

/** A valid sepa create body; `overrides` replace (or, when undefined, remove) fields. */
export function sepaBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return withOverrides({
    name: "Ada Lovelace",
    type: "sepa",
    account: { iban: IBAN_SPACED, bic: BIC },
  }, overrides);
}

/** A valid test create body; `overrides` replace (or, when undefined, remove) fields. */
export function testBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return withOverrides({
    name: "Test Recipient",
    type: "test",
    account: { account: "ACC-1234567890", branch: "north" },
  }, overrides);
}

/** POSTs a raw JSON text (or a value to stringify) to `/api/recipients/`. */
export async function postRecipient(
  t: TestApp,
  body: unknown,
  path = "/api/recipients/",
): Promise<Response> {
  return await postJson(t, path, body);
}

/** Creates a recipient and returns it with its ETag; fails the test unless it is a 201. */
export async function createRecipient(
  t: TestApp,
  body: Record<string, unknown> = sepaBody(),
): Promise<{ recipient: Recipient; etag: string }> {
  const { response, created } = await postCreated<Recipient>(t, "/api/recipients/", body);
  const etag = response.headers.get("etag");
  assert.ok(etag, "a created recipient carries an ETag");
  return { recipient: created, etag };
}

/** Sends a request with `headers` (the test key's by default); `body` stringified. */
export async function call(
  t: TestApp,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = t.headers,
): Promise<Response> {
  return await t.request(path, {
    method,
    headers,
    body: body === undefined ? undefined : jsonText(body),
  });
}

/** Headers carrying a new key with these scopes (JSON content type included). */
export async function keyWith(t: TestApp, scopes: readonly Scope[]) {
  const name = `scoped-${crypto.randomUUID().slice(0, 8)}`;
  const { key } = await t.apiKeys.create(name, scopes);
  return {
    name,
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
  };
}

/** Headers of a key that may also reveal account numbers. */
export async function revealingKey(t: TestApp) {
  return await keyWith(t, [...DEFAULT_SCOPES, "recipients:reveal"]);
}

/** A recipient's path under both API prefixes, with and without the slash; ID stands for the id. */
export const RECIPIENT_PATHS = [
  "/api/recipients/ID",
  "/api/recipients/ID/",
  "/api/v1/recipients/ID",
  "/api/v1/recipients/ID/",
];

/** The audit rows of a recipient, oldest first, as stored. */
export async function auditRows(t: TestApp, id: string) {
  return await t.db.sql<
    {
      action: string;
      actor: string;
      api_key_id: string | null;
      request_id: string | null;
      at: Date;
      detail: Record<string, unknown>;
    }[]
  >`
    select action, actor, api_key_id, request_id, at, detail
    from recipient_events where recipient_id = ${id} order by id
  `;
}
