/**
 * The payout's business rules that span fields: the amount is judged against the
 * currency's ISO 4217 exponent, and a PATCH must leave a payout that is valid as a whole.
 */
import { type FieldError, ValidationError } from "../errors.ts";
import { currencyExponent } from "./currencies.ts";
import { formatMinor, minorFitsExponent, parseAmount } from "./money.ts";
import type { Payout, RecipientDetails } from "./payout.ts";

export interface PayoutDraft {
  amountMinor: bigint;
  currency: string;
  recipientDetails: RecipientDetails;
  description: string;
}

/** A create request after its shape was checked (currency known and upper-case). */
export interface CreateInput {
  amount: string | number;
  currency: string;
  recipient_details: RecipientDetails;
  description?: string;
}

export type PatchInput = Partial<CreateInput>;

/** An amount in minor units as the API writes it: exactly the currency's fraction digits. */
export function formatAmount(amountMinor: bigint, currency: string): string {
  return formatMinor(amountMinor, exponentOf(currency));
}

function exponentOf(currency: string): number {
  const exponent = currencyExponent(currency);
  if (exponent === undefined) {
    throw new ValidationError([{ path: "currency", message: "is not a supported currency" }]);
  }
  return exponent;
}

function amountInMinor(amount: unknown, currency: string): bigint {
  const parsed = parseAmount(amount, exponentOf(currency));
  if (!parsed.ok) throw new ValidationError([{ path: "amount", message: parsed.message }]);
  return parsed.minor;
}

/** Builds the payout to create; throws ValidationError naming the field at fault. */
export function buildDraft(input: CreateInput): PayoutDraft {
  return {
    amountMinor: amountInMinor(input.amount, input.currency),
    currency: input.currency,
    recipientDetails: input.recipient_details,
    description: input.description ?? "",
  };
}

/**
 * Applies a PATCH to the current payout. A currency change keeps the amount only when it is
 * exactly representable in the new currency: it is never rounded.
 */
export function applyPatch(current: Payout, patch: PatchInput): PayoutDraft {
  const currency = patch.currency ?? current.currency;
  let amountMinor: bigint;
  if (patch.amount !== undefined) {
    amountMinor = amountInMinor(patch.amount, currency);
  } else {
    const from = exponentOf(current.currency);
    const converted = minorFitsExponent(current.amountMinor, from, exponentOf(currency));
    if (converted === undefined) {
      const errors: FieldError[] = [{
        path: "amount",
        message: `${formatMinor(current.amountMinor, from)} cannot be expressed in ${currency} ` +
          `without rounding; send an amount with the new currency`,
      }];
      throw new ValidationError(errors);
    }
    amountMinor = converted;
  }
  return {
    amountMinor,
    currency,
    recipientDetails: patch.recipient_details ?? current.recipientDetails,
    description: patch.description ?? current.description,
  };
}
