/** What an API key may do: each route needs one scope, and a key holds a set of them. */

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

/**
 * The scope a request needs, from its path (prefix and trailing slash removed) and method;
 * undefined for paths no scope guards. Reads need `:read`, every other method `:write`,
 * approving and rejecting `payouts:approve`.
 */
export function scopeFor(path: string, method: string): Scope | undefined {
  const reading = method === "GET" || method === "HEAD";
  if (/^\/payouts\/[^/]+\/(approve|reject)$/.test(path)) return "payouts:approve";
  if (path === "/payouts" || path.startsWith("/payouts/")) {
    return reading ? "payouts:read" : "payouts:write";
  }
  if (path === "/webhook-endpoints" || path.startsWith("/webhook-endpoints/")) {
    return reading ? "webhooks:read" : "webhooks:write";
  }
  return undefined;
}
