/** Shared steps of the list (paged GET) tests of the payout and webhook endpoint routes. */
import assert from "node:assert/strict";
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

/** A page of a list, as the tests read it. */
export interface IdPage {
  results: { id: string }[];
  next_cursor: string | null;
}

/**
 * Walks a list by its cursor, `limit` a page, calling `between` after each page, and
 * returns the ids seen in order and the number of pages. Every page must hold at most
 * `limit`; the walk stops after `maxPages` at the latest.
 */
export async function walkPages(
  list: (query: string) => Promise<IdPage>,
  limit: number,
  maxPages: number,
  between: () => Promise<unknown>,
): Promise<{ visited: string[]; pages: number }> {
  const visited: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: IdPage = await list(`?limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`);
    assert.ok(page.results.length <= limit);
    visited.push(...page.results.map((p) => p.id));
    cursor = page.next_cursor;
    pages++;
    await between();
  } while (cursor && pages < maxPages);
  return { visited, pages };
}
