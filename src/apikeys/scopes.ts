/**
 * What an API key may do: each route needs one scope (its contract names it; see
 * src/api_routes.ts), and a key holds a set of them.
 */

export const SCOPES = [
  "payouts:read",
  "payouts:write",
  "payouts:approve",
  "webhooks:read",
  "webhooks:write",
  "console",
] as const;
export type Scope = (typeof SCOPES)[number];

/** A new key's scopes unless others are asked for: everything but approving payouts. */
export const DEFAULT_SCOPES: readonly Scope[] = SCOPES.filter((s) => s !== "payouts:approve");

/** Parses `payouts:read,payouts:write`; throws an Error naming an unknown scope. */
export function parseScopes(text: string): Scope[] {
  const parts = text.split(",").map((part) => part.trim()).filter((part) => part !== "");
  if (parts.length === 0) throw new Error(`--scopes needs at least one of ${SCOPES.join(", ")}`);
  for (const part of parts) {
    if (!(SCOPES as readonly string[]).includes(part)) {
      throw new Error(`unknown scope ${part} (known: ${SCOPES.join(", ")})`);
    }
  }
  return [...new Set(parts)] as Scope[];
}
