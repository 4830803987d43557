/** Who acts in the console: the signed-in API key, as the audit trail records it. */
import type { Context } from "hono";
import type { Actor } from "../payouts/payouts.repository.ts";
import type { ConsoleEnv } from "./env.ts";

export interface Operator {
  apiKeyId: string;
  apiKeyName: string;
}

/** The key signed in to this request's session. */
export function operatorOf(c: Context<ConsoleEnv>): Operator {
  const session = c.get("session");
  return { apiKeyId: session.apiKeyId, apiKeyName: session.apiKeyName };
}

/** `console:<key name>`, with the key's id so the four-eyes rule applies to it too. */
export function actorOf(operator: Operator): Actor {
  return { name: `console:${operator.apiKeyName}`, apiKeyId: operator.apiKeyId };
}
