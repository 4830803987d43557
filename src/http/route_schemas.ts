/** Request schemas any API route contract can use, whatever its resource. */
import { z } from "@hono/zod-openapi";

/** For routes that take no query parameters: any given is a 400 naming it. */
export const NoQuerySchema = z.strictObject({});

/** `limit` of a paged list: 1 to 100 items, 20 when left out. */
export const PageLimit = z.string().regex(/^[0-9]{1,3}$/, "must be a whole number from 1 to 100")
  .transform(Number)
  .refine((n) => n >= 1 && n <= 100, { message: "must be a whole number from 1 to 100" })
  .optional()
  .openapi({ type: "integer", minimum: 1, maximum: 100, default: 20 });

/** `next_cursor` of a page: where the next one starts. */
const NextCursor = z.string().nullable().openapi({
  description: "Pass as `cursor` for the next page; null on the last page.",
});

/** One page of `item`s, `{ results, next_cursor }`, as the OpenAPI component `name`. */
export function pageSchema<T extends z.ZodType>(item: T, name: string) {
  return z.object({ results: z.array(item), next_cursor: NextCursor }).openapi(name);
}
