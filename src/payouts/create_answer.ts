/**
 * The answer to a POST that creates a payout or a recipient (the recipient handlers use it
 * too): the resource and its headers, created once per Idempotency-Key when one is sent.
 */
import type { Context } from "hono";
import type { AppEnv } from "../http/request_context.ts";
import { parseIdempotencyKey } from "../idempotency/idempotency_key.ts";
import type { IdempotentRequest, StoredResponse } from "../idempotency/idempotency.service.ts";
import { requestHash } from "../idempotency/request_hash.ts";

/** How one kind of resource is created and shown. */
export interface Creation<T, B> {
  create(): Promise<T>;
  /** `create` under an Idempotency-Key: `respond` makes the answer stored with it. */
  createIdempotent(
    request: IdempotentRequest,
    respond: (created: T) => StoredResponse,
  ): Promise<{ response: StoredResponse; replayed: boolean }>;
  /** Location and ETag of what was created. */
  headers(created: T): Record<string, string>;
  body(created: T): B;
}

/**
 * Creates the resource and sets the headers of the 201 that answers it; returns its body.
 * With an Idempotency-Key the first answer is stored with the resource, and a repeat gets
 * the stored answer back (always a 201), marked `Idempotent-Replayed`. Throws
 * ValidationError when the key is malformed.
 */
export async function answerCreate<T, B extends StoredResponse["body"]>(
  c: Context<AppEnv>,
  creation: Creation<T, B>,
) {
  const key = parseIdempotencyKey(c.req.header("idempotency-key"));
  const apiKey = c.get("apiKey"); // always set behind bearerAuth
  if (key !== undefined && apiKey) {
    const { response, replayed } = await creation.createIdempotent(
      // The raw document, not the validated one: "usd" and "USD" are different requests.
      { apiKeyId: apiKey.id, key, requestHash: requestHash(c.get("body")) },
      (created) => ({
        status: 201,
        headers: creation.headers(created),
        body: creation.body(created),
      }),
    );
    for (const [name, value] of Object.entries(response.headers)) c.header(name, value);
    if (replayed) c.header("Idempotent-Replayed", "true");
    return response.body as B;
  }
  const created = await creation.create();
  for (const [name, value] of Object.entries(creation.headers(created))) c.header(name, value);
  return creation.body(created);
}
