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
  scheduledFor: Date | null;
  requiresApproval: boolean;
}

/** A create request after its shape was checked (currency known and upper-case). */
export interface CreateInput {
  amount: string | number;
  currency: string;
  recipient_details: RecipientDetails;
  description?: string;
  scheduled_for?: Date;
  requires_approval?: boolean;
}

/** A PATCH after its shape was checked; `scheduled_for: null` removes the schedule. */
export type PatchInput = Partial<Omit<CreateInput, "scheduled_for" | "requires_approval">> & {
  scheduled_for?: Date | null;
};

/** How far ahead a payout may be scheduled. */
export const MAX_SCHEDULE_AHEAD_MS = 365 * 86_400_000;

/** Throws unless `at` is in the future and at most a year ahead of `now`. */
export function checkSchedule(at: Date | null, now: Date): void {
  if (at === null) return;
  const message = at.getTime() <= now.getTime()
    ? "must be in the future"
    : at.getTime() - now.getTime() > MAX_SCHEDULE_AHEAD_MS
    ? "must be at most one year ahead"
    : undefined;
  if (message) throw new ValidationError([{ path: "scheduled_for", message }]);
}

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
export function buildDraft(input: CreateInput, now = new Date()): PayoutDraft {
  const amountMinor = amountInMinor(input.amount, input.currency);
  checkSchedule(input.scheduled_for ?? null, now);
  return {
    amountMinor,
    currency: input.currency,
    recipientDetails: input.recipient_details,
    description: input.description ?? "",
    scheduledFor: input.scheduled_for ?? null,
    requiresApproval: input.requires_approval ?? false,
  };
}

/**
 * Applies a PATCH to the current payout. A currency change keeps the amount only when it is
 * exactly representable in the new currency: it is never rounded.
 */
export function applyPatch(current: Payout, patch: PatchInput, now = new Date()): PayoutDraft {
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
  // Only a new schedule is judged: an old one that came due is the worker's to honour.
  if (patch.scheduled_for !== undefined) checkSchedule(patch.scheduled_for, now);
  return {
    amountMinor,
    currency,
    recipientDetails: patch.recipient_details ?? current.recipientDetails,
    description: patch.description ?? current.description,
    scheduledFor: patch.scheduled_for !== undefined ? patch.scheduled_for : current.scheduledFor,
    requiresApproval: current.requiresApproval,
  };
}
