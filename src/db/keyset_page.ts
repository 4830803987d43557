/**
 * The one keyset paginator. Every list (payouts, the console's payouts, webhook endpoints,
 * an endpoint's deliveries) is newest first, by creation time and then id, and each page
 * starts after the position of the previous page's last item: the cost of a page does not
 * grow with how far into the list it is, and rows created meanwhile never shift a page.
 */
import type postgres from "postgres";
import type { PagePosition } from "./page_cursor.ts";
import type { Db } from "./types.ts";

/** Where a page starts (null: at the newest) and how many items it holds at most. */
export interface PageQuery {
  limit: number;
  after: PagePosition | null;
}

/** One page, newest first, the position of its last item, and whether more follow it. */
export interface KeysetPage<T> {
  items: T[];
  last: PagePosition | null;
  more: boolean;
}

/** A list as SQL: the rows of `from` that match `where`, with their `columns`. */
export interface KeysetList {
  /** The select list. */
  columns: postgres.Fragment;
  /** What the list reads: a table, with an alias and joins if need be. */
  from: postgres.Fragment;
  /** The list's filters as one condition; the page's own bound is added to it. */
  where: postgres.Fragment;
  /** The alias of the table whose `created_at` and `id` order the list, if it has one. */
  alias?: string;
  /** The SQL type of that `id`, which the cursor's id is compared as. */
  idType: "uuid" | "text";
}

/**
 * Reads one page of `list`: one more row than the page holds tells whether more follow.
 * Each list needs an index on `(created_at desc, id desc)` behind its filters.
 */
export async function keysetPage<Row extends { id: string }, T>(
  sql: Db,
  list: KeysetList,
  page: PageQuery,
  toItem: (row: Row) => T,
): Promise<KeysetPage<T>> {
  const column = (name: string) => sql(list.alias ? `${list.alias}.${name}` : name);
  const createdAt = column("created_at");
  const id = column("id");
  const after = page.after;
  const rows = await sql<(Row & { created_micros: string })[]>`
    select ${list.columns},
      (extract(epoch from ${createdAt}) * 1000000)::bigint as created_micros
    from ${list.from}
    where ${list.where}
      ${
    after
      ? sql`and (${createdAt}, ${id}) < (
              'epoch'::timestamptz + ${after.createdMicros}::bigint * interval '1 microsecond',
              ${list.idType === "uuid" ? sql`${after.id}::uuid` : sql`${after.id}::text`}
            )`
      : sql``
  }
    order by ${createdAt} desc, ${id} desc
    limit ${page.limit + 1}
  `;
  const more = rows.length > page.limit;
  const kept = more ? rows.slice(0, page.limit) : rows;
  const tail = kept.at(-1);
  return {
    items: kept.map(toItem),
    last: tail ? { createdMicros: String(tail.created_micros), id: tail.id } : null,
    more,
  };
}
