/** Shared steps of the list (paged GET) tests of the payout and webhook endpoint routes. */
import { assertFieldError } from "./payout_fixtures.ts";

/** A query a list refuses, and the parameter its 400 must name. */
export type BadQuery = [query: string, parameter: string];

/** `limit` values every list refuses. */
export const BAD_LIMITS: BadQuery[] = [
  ["limit=0", "limit"],
  ["limit=101", "limit"],
  ["limit=abc", "limit"],
  ["limit=1.5", "limit"],
  ["limit=-1", "limit"],
  ["limit=", "limit"],
  ["limit=1&limit=2", "limit"],
];

/** Cursors every list refuses, whatever it lists. */
export const BAD_CURSORS: BadQuery[] = [
  ["cursor=abc", "cursor"],
  ["cursor=", "cursor"],
  ["cursor=%00", "cursor"],
  [`cursor=${"A".repeat(5000)}`, "cursor"],
];

/** One step a query: `get(query)` must be a 400 whose errors[] names the parameter. */
export async function assertQueriesRefused(
  ctx: Deno.TestContext,
  queries: BadQuery[],
  get: (query: string) => Promise<Response>,
): Promise<void> {
  for (const [query, parameter] of queries) {
    await ctx.step(query.slice(0, 40), async () => {
      await assertFieldError(await get(query), parameter);
    });
  }
}
