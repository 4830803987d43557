/**
 * Payouts to SEPA recipients, created as the recipients API will create them: through the
 * repository, then marked `recipient_type = 'sepa'` with a `{account: IBAN, name, bic?}`
 * snapshot (the rails tests do not depend on that API).
 */
import type postgres from "postgres";
import { insertPayout } from "../../src/payouts/payouts.repository.ts";
import { payoutDraft, TEST_ACTOR } from "./payout_drafts.ts";

export interface SepaPayoutFields {
  iban: string;
  name?: string;
  bic?: string;
  amountMinor?: bigint;
  currency?: string;
  description?: string;
}

/** A pending payout to a SEPA recipient (EUR 125.50 unless told); returns its id. */
export async function insertSepaPayout(
  sql: postgres.Sql,
  fields: SepaPayoutFields,
): Promise<string> {
  const id = crypto.randomUUID();
  const recipientDetails = {
    account: fields.iban,
    name: fields.name ?? "Erika Mustermann",
    ...(fields.bic ? { bic: fields.bic } : {}),
  };
  await insertPayout(
    sql,
    id,
    payoutDraft({
      amountMinor: fields.amountMinor ?? 12_550n,
      currency: fields.currency ?? "EUR",
      recipientDetails,
      description: fields.description ?? "",
    }),
    "pending",
    TEST_ACTOR,
  );
  await sql`update payouts set recipient_type = 'sepa' where id = ${id}`;
  return id;
}
