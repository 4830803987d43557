/** Request schemas any API route contract can use, whatever its resource. */
import { z } from "@hono/zod-openapi";

/** For routes that take no query parameters: any given is a 400 naming it. */
export const NoQuerySchema = z.strictObject({});
