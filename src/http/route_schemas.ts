/** Request schemas any API route contract can use, whatever its resource. */
import { z } from "@hono/zod-openapi";

/**
 * `schema` or null. Not `.nullable()`: zod-to-openapi writes that of a named component as
 * `allOf: [$ref, {type: [..., "null"]}]`, which refuses null (the component does); a union
 * is written `anyOf: [$ref, {type: "null"}]`, which is what the service accepts.
 */
export function orNull<T extends z.ZodType>(schema: T) {
  return z.union([schema, z.null()]);
}

/** The length of `text` in Unicode code points, as JSON Schema's minLength/maxLength count. */
export const codePoints = (text: string) => [...text].length;

/** The most code points of a free-text description or reason. */
export const MAX_DESCRIPTION_LENGTH = 255;

/** Free text of at most MAX_DESCRIPTION_LENGTH code points (`what` says what it is). */
export function boundedText(what: string, example: string) {
  return z.string()
    .refine((text) => codePoints(text) <= MAX_DESCRIPTION_LENGTH, {
      message: `must be at most ${MAX_DESCRIPTION_LENGTH} characters`,
    })
    .openapi({
      description: `${what}, at most ${MAX_DESCRIPTION_LENGTH} characters (Unicode code ` +
        "points); stored exactly as sent.",
      maxLength: MAX_DESCRIPTION_LENGTH,
      example,
    });
}

/**
 * A string that, trimmed, is 1–`max` code points, as a JSON Schema pattern (`\s` is
 * exactly the white space String.prototype.trim removes).
 */
export const trimmedLengthPattern = (max: number) => `^\\s*\\S(?:[\\s\\S]{0,${max - 2}}\\S)?\\s*$`;

/** For routes that take no query parameters: any given is a 400 naming it. */
export const NoQuerySchema = z.strictObject({});

/** `limit` of a paged list: 1 to 100 items, 20 when left out. */
export const PageLimit = z.string().regex(/^[0-9]{1,3}$/, "must be a whole number from 1 to 100")
  .transform(Number)
  .refine((n) => n >= 1 && n <= 100, { message: "must be a whole number from 1 to 100" })
  .optional()
  .openapi({
    type: "integer",
    minimum: 1,
    maximum: 100,
    default: 20,
    description: "How many items a page holds at most (1–100, 20 when left out).",
  });

/** `next_cursor` of a page: where the next one starts. */
const NextCursor = z.string().nullable().openapi({
  description: "Pass as `cursor` for the next page; null on the last page.",
});

/** One page of `item`s, `{ results, next_cursor }`, as the OpenAPI component `name`. */
export function pageSchema<T extends z.ZodType>(item: T, name: string) {
  return z.object({ results: z.array(item), next_cursor: NextCursor }).openapi(name);
}
