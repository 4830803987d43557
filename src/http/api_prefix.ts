/** Where the API a request came in by is mounted, for the Location headers it answers with. */
import type { Context } from "hono";

/** `/api` or `/api/v1`: Location headers use the prefix the request used. */
export function apiPrefix(c: Context): string {
  return c.req.path.startsWith("/api/v1/") ? "/api/v1" : "/api";
}
