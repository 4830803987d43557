/** The query schema of routes that take no query parameters, shared by every API. */
import { z } from "@hono/zod-openapi";

/** For routes that take no query parameters: any given is a 400 naming it. */
export const NoQuerySchema = z.strictObject({});
