/**
 * The bank details a recipient holds, by type: `sepa` an IBAN (normalised to its electronic
 * format, checked with ibantools) and an optional BIC of the same country; `test` what a
 * payout's inline `recipient_details` may hold. The create schema composes these; a PATCH,
 * whose body does not say the type, is judged against the stored recipient's.
 */
import { z } from "@hono/zod-openapi";
import {
  bicIbanMismatch,
  bicProblem,
  ibanProblem,
  normalizeBic,
  normalizeIban,
} from "../bank_accounts/iban.ts";
import { ValidationError } from "../errors.ts";
import { fieldErrors } from "../http/validation_hook.ts";
import { RecipientDetails } from "../payouts/payouts.schemas.ts";
import type { Account, RecipientType } from "./recipient.ts";

const Iban = z.string()
  .transform(normalizeIban)
  .superRefine((iban, ctx) => {
    const problem = ibanProblem(iban);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .openapi({
    description: "The IBAN, with or without spaces, any case; stored in electronic format " +
      "(no spaces, upper case). Its country must be in the SEPA scheme.",
    example: "DE89 3704 0044 0532 0130 00",
  });

const Bic = z.string()
  .transform(normalizeBic)
  .superRefine((bic, ctx) => {
    const problem = bicProblem(bic);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .openapi({
    description: "The bank's BIC (8 or 11 characters), of the IBAN's country.",
    example: "COBADEFFXXX",
  });

/** A SEPA account as sent: the BIC's country is judged once both are valid on their own. */
export const SepaAccountInput = z.strictObject({ iban: Iban, bic: Bic.optional() })
  .superRefine((account, ctx) => {
    // Refinements of the fields do not stop this one: judge only two valid values.
    const { iban, bic } = account as { iban: unknown; bic: unknown };
    if (typeof iban !== "string" || typeof bic !== "string") return;
    if (bicProblem(bic) || ibanProblem(iban)) return;
    const mismatch = bicIbanMismatch(bic, iban);
    if (mismatch) ctx.addIssue({ code: "custom", path: ["bic"], message: mismatch });
  })
  .openapi("SepaAccount", {
    description: "A SEPA account: IBAN and, optionally, BIC.",
    example: { iban: "DE89 3704 0044 0532 0130 00", bic: "COBADEFFXXX" },
  });

/** A test account: the rules of a payout's inline `recipient_details`. */
export const TestAccountInput = RecipientDetails;

/**
 * `value` as an account of `type`; throws ValidationError naming each field at fault under
 * `account` (`account.iban`, …).
 */
export function parseAccount(type: RecipientType, value: unknown): Account {
  const result = (type === "sepa" ? SepaAccountInput : TestAccountInput).safeParse(value);
  if (result.success) return result.data;
  const errors = fieldErrors(result.error, "json", new Set()).map((error) => ({
    path: error.path ? `account.${error.path}` : "account",
    message: error.message,
  }));
  throw new ValidationError(errors);
}
