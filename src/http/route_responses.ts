/**
 * The error responses every API route declares, and the JSON and problem+json bodies the
 * route contracts build their own from.
 */
import { z } from "@hono/zod-openapi";

export const ProblemSchema = z.object({
  type: z.string().openapi({ example: "/problems/validation_failed" }),
  title: z.string().openapi({ example: "Bad Request" }),
  status: z.number().int().openapi({ example: 400 }),
  detail: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
}).openapi("Problem");

/** A JSON body of this schema, for a response or a request body. */
export const json = <T>(schema: T) => ({ content: { "application/json": { schema } } });

/** A problem+json response with this description. */
export const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: ProblemSchema } },
});

/** What any authenticated route can answer; `scopes` says which scope its 403 is about. */
export function commonResponses(scopes: string) {
  return {
    400: problem("The request is not valid; `errors` names each field at fault."),
    401: problem("Missing, unknown or revoked API key."),
    403: problem(`The API key lacks the scope this route needs: ${scopes} (\`detail\` names it).`),
    405: problem("Method not supported on this path; see `Allow`."),
    429: problem("Rate limit exceeded; retry after `Retry-After` seconds."),
    500: problem("Unexpected server error (no internals are disclosed)."),
  };
}

/** What a route that reads a JSON body can answer besides. */
export const bodyResponses = {
  413: problem("Body larger than 65,536 bytes."),
  415: problem("Content-Type is not application/json."),
};
