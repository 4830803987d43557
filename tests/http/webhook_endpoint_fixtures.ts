/** Shared steps of the webhook endpoint HTTP tests: creating endpoints and their messages. */
import assert from "node:assert/strict";
import type { TestApp } from "../helpers/app.ts";
import { jsonText, postCreated, postJson, withOverrides } from "../helpers/json_request.ts";

/** A public address nothing in these tests ever sends traffic to (nothing delivers here). */
export const PUBLIC_URL = "https://93.184.216.34/hook";

/** The endpoint collection under every API prefix, with and without the trailing slash. */
export const COLLECTION_PATHS = [
  "/api/webhook-endpoints",
  "/api/webhook-endpoints/",
  "/api/v1/webhook-endpoints",
  "/api/v1/webhook-endpoints/",
];

export type Endpoint = {
  id: string;
  url: string;
  events: string[];
  description: string;
  status: "enabled" | "disabled";
  disabled_reason: string | null;
  created_at: string;
  updated_at: string;
};

/** A valid create body; `overrides` replace (or, when undefined, remove) fields. */
export function endpointBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return withOverrides({
    url: PUBLIC_URL,
    events: ["payout.completed", "payout.failed"],
    description: "Ledger sync",
  }, overrides);
}

/** POSTs a raw JSON text (or a value to stringify) to `/api/webhook-endpoints/`. */
export async function postEndpoint(
  t: TestApp,
  body: unknown,
  path = "/api/webhook-endpoints/",
): Promise<Response> {
  return await postJson(t, path, body);
}

/** Creates an endpoint and returns it with its secret; fails the test unless it is a 201. */
export async function createEndpoint(
  t: TestApp,
  overrides: Record<string, unknown> = {},
): Promise<Endpoint & { secret: string }> {
  return (await postCreated<Endpoint & { secret: string }>(
    t,
    "/api/webhook-endpoints/",
    endpointBody(overrides),
  )).created;
}

/** Sends a request with the test key; `body` is stringified unless it is a string. */
export async function call(
  t: TestApp,
  method: string,
  path: string,
  body?: unknown,
): Promise<Response> {
  return await t.request(path, {
    method,
    headers: body === undefined ? { Authorization: t.headers.Authorization } : t.headers,
    body: body === undefined ? body : jsonText(body),
  });
}

/** The JSON body of a response that must have `status`. */
export async function expectJson<T = Record<string, unknown>>(
  response: Response,
  status: number,
): Promise<T> {
  const text = await response.text();
  assert.equal(response.status, status, text);
  return JSON.parse(text);
}

/** The ids of the webhook messages recorded for an endpoint, oldest first. */
export async function messagesOf(
  t: TestApp,
  endpointId: string,
): Promise<{ id: string; event_type: string; payout_id: string | null; status: string }[]> {
  const rows = await t.db.sql<
    { id: string; event_type: string; payout_id: string | null; status: string }[]
  >`
    select id, event_type, payout_id, status from webhook_messages
    where endpoint_id = ${endpointId} order by created_at, id
  `;
  return [...rows];
}
