/**
 * A typed client for the payout API: openapi-fetch's `createClient` over the types that
 * openapi-typescript generated from the API's OpenAPI document (`schema.ts`). Every path,
 * parameter, body and answer is checked by the compiler; see README.md beside this file.
 *
 * @module
 */
import createClient, { type Client, type ClientOptions } from "openapi-fetch";
import type { components, paths } from "./schema.ts";

export type { components, paths };

/** The document's named schemas: `Schemas["Payout"]`, `Schemas["CreatePayout"]`, … */
export type Schemas = components["schemas"];

/** A client for every operation of the payout API. */
export type PayoutClient = Client<paths>;

/** What {@linkcode createPayoutClient} needs. */
export interface PayoutClientOptions {
  /**
   * Where the API is served: the service's origin and the document's server, `/api` (or
   * `/api/v1`), e.g. `http://localhost:8000/api`.
   */
  baseUrl: string;
  /** An API key (`deno task apikey create NAME`), sent as `Authorization: Bearer <key>`. */
  apiKey: string;
  /** The fetch to use instead of the global one (a proxy, a test double of the network). */
  fetch?: ClientOptions["fetch"];
}

/**
 * A client for the payout API that authenticates every request with `apiKey`.
 *
 * ```ts
 * const payouts = createPayoutClient({ baseUrl: "http://localhost:8000/api", apiKey });
 * const { data, error } = await payouts.GET("/payouts/{id}", { params: { path: { id } } });
 * ```
 */
export function createPayoutClient(options: PayoutClientOptions): PayoutClient {
  return createClient<paths>({
    baseUrl: options.baseUrl,
    headers: { Authorization: `Bearer ${options.apiKey}` },
    fetch: options.fetch,
  });
}
