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
  "recipients:read",
  "recipients:write",
  "recipients:reveal",
] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * Scopes a key holds only when asked for: approving payouts (the four-eyes rule), and
 * reading recipients' account numbers unmasked (`GET /api/recipients/{id}/?reveal=true`).
 */
export const OPT_IN_SCOPES: readonly Scope[] = ["payouts:approve", "recipients:reveal"];

/** A new key's scopes unless others are asked for: everything but the opt-in ones. */
export const DEFAULT_SCOPES: readonly Scope[] = SCOPES.filter((s) => !OPT_IN_SCOPES.includes(s));

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
