/** Payouts as the repository takes them, for tests that insert rows without the service. */
import type { PayoutDraft } from "../../src/payouts/payout_rules.ts";
import { type Actor, insertPayout } from "../../src/payouts/payouts.repository.ts";

/** Who the worker tests' payouts were created by. */
export const TEST_ACTOR: Actor = { name: "api:test", apiKeyId: null };

/** A plain create request as the payout service takes it (USD 125.50 to a German IBAN). */
export const PAYOUT_INPUT = {
  amount: "125.50",
  currency: "USD",
  recipient_details: { account: "DE89370400440532013000" },
};

/** A plain draft (USD 125.50, not scheduled, no approval); `fields` replace what they name. */
export function payoutDraft(fields: Partial<PayoutDraft> = {}): PayoutDraft {
  return {
    amountMinor: 12550n,
    currency: "USD",
    recipientDetails: { account: "DE89370400440532013000" },
    description: "",
    scheduledFor: null,
    requiresApproval: false,
    ...fields,
  };
}

/** Inserts a pending plain payout paying `account` (by `TEST_ACTOR`); its id. */
export async function insertPendingPayout(
  sql: Parameters<typeof insertPayout>[0],
  account = "DE89370400440532013000",
): Promise<string> {
  const id = crypto.randomUUID();
  await insertPayout(
    sql,
    id,
    payoutDraft({ recipientDetails: { account } }),
    "pending",
    TEST_ACTOR,
  );
  return id;
}
