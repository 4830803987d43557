/** Who acts in the console: the signed-in API key, as the audit trail records it. */
import type { Actor } from "../payouts/payouts.repository.ts";

export interface Operator {
  apiKeyId: string;
  apiKeyName: string;
}

/** `console:<key name>`, with the key's id so the four-eyes rule applies to it too. */
export function actorOf(operator: Operator): Actor {
  return { name: `console:${operator.apiKeyName}`, apiKeyId: operator.apiKeyId };
}
