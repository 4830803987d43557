/**
 * The payout's business rules that span fields: the amount is judged against the
 * currency's ISO 4217 exponent, and a PATCH must leave a payout that is valid as a whole.
 */
import { type FieldError, ValidationError } from "../errors.ts";
import { currencyExponent } from "./currencies.ts";
import { formatMinor, minorFitsExponent, parseAmount } from "./money.ts";
import type { Payout, RecipientDetails } from "./payout.ts";
import type { RecipientType } from "./payout.ts";
import type { PayoutRecipient } from "./payout_recipient.ts";

export interface PayoutDraft {
  amountMinor: bigint;
  currency: string;
  recipientDetails: RecipientDetails;
  /** The stored recipient the details were copied from; none (inline details) if absent. */
  recipientId?: string | null;
  /** How it is paid; `test` if absent. */
  recipientType?: RecipientType;
  description: string;
  scheduledFor: Date | null;
  requiresApproval: boolean;
}

/**
 * A create request after its shape was checked (currency known and upper-case): exactly one
 * of `recipient_details` and `recipient_id` (a UUID in any case).
 */
export interface CreateInput {
  amount: string | number;
  currency: string;
  recipient_details?: RecipientDetails;
  recipient_id?: string;
  description?: string;
  scheduled_for?: Date;
  requires_approval?: boolean;
}

/**
 * A PATCH after its shape was checked; `scheduled_for: null` removes the schedule. At most
 * one of `recipient_details` and `recipient_id`.
 */
export type PatchInput = Partial<Omit<CreateInput, "scheduled_for" | "requires_approval">> & {
  scheduled_for?: Date | null;
};

/** A draft's fields other than whom it pays. */
export type DraftFields = Omit<PayoutDraft, "recipientDetails" | "recipientId" | "recipientType">;

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

/**
 * Builds the payout to create; throws ValidationError naming the field at fault. A create
 * by `recipient_id` needs that `recipient`, as looked up (see {@linkcode withRecipient}).
 */
export function buildDraft(
  input: CreateInput,
  now = new Date(),
  recipient?: PayoutRecipient,
): PayoutDraft {
  return withRecipient(draftFields(input, now), input, recipient);
}

/** What buildDraft judges without knowing whom the payout pays. */
export function draftFields(input: CreateInput, now = new Date()): DraftFields {
  const amountMinor = amountInMinor(input.amount, input.currency);
  checkSchedule(input.scheduled_for ?? null, now);
  return {
    amountMinor,
    currency: input.currency,
    description: input.description ?? "",
    scheduledFor: input.scheduled_for ?? null,
    requiresApproval: input.requires_approval ?? false,
  };
}

/**
 * The draft paying the inline `recipient_details`, or a copy of `recipient`: the one
 * `input.recipient_id` names, looked up by the caller. Throws ValidationError when it may
 * not be paid in the draft's currency.
 */
export function withRecipient(
  fields: DraftFields,
  input: Pick<CreateInput, "recipient_details" | "recipient_id">,
  recipient?: PayoutRecipient,
): PayoutDraft {
  if (input.recipient_id === undefined) {
    if (!input.recipient_details) {
      throw new ValidationError([{ path: "recipient_details", message: "is required" }]);
    }
    return { ...fields, recipientDetails: input.recipient_details, recipientId: null };
  }
  if (!recipient) throw new Error("a payout by recipient_id needs the recipient looked up");
  checkRecipientCurrency(fields.currency, recipient);
  return {
    ...fields,
    recipientDetails: recipient.details,
    recipientId: recipient.id,
    recipientType: recipient.type,
  };
}

/** Throws ValidationError, naming both fields, unless `recipient` may be paid in `currency`. */
export function checkRecipientCurrency(currency: string, recipient: PayoutRecipient): void {
  if (recipient.currency === null || recipient.currency === currency) return;
  throw new ValidationError([
    { path: "currency", message: `must be ${recipient.currency}, the recipient's currency` },
    { path: "recipient_id", message: `is paid in ${recipient.currency}, not ${currency}` },
  ]);
}

/**
 * Applies a PATCH to the current payout. A currency change keeps the amount only when it is
 * exactly representable in the new currency: it is never rounded. `recipient` is the one a
 * new `recipient_id` names, whose copy the payout then pays; or, for a payout that pays a
 * stored recipient and keeps it, that recipient, which a new currency must suit.
 */
export function applyPatch(
  current: Payout,
  patch: PatchInput,
  now = new Date(),
  recipient?: PayoutRecipient,
): PayoutDraft {
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
  const fields: DraftFields = {
    amountMinor,
    currency,
    description: patch.description ?? current.description,
    scheduledFor: patch.scheduled_for !== undefined ? patch.scheduled_for : current.scheduledFor,
    requiresApproval: current.requiresApproval,
  };
  if (patch.recipient_id !== undefined || patch.recipient_details !== undefined) {
    const draft = withRecipient(fields, patch, recipient);
    // Inline details keep an inline payout's way of paying; they replace a stored one's.
    return current.recipientId === null && patch.recipient_details !== undefined
      ? { ...draft, recipientType: current.recipientType }
      : draft;
  }
  if (recipient && currency !== current.currency) checkRecipientCurrency(currency, recipient);
  return {
    ...fields,
    recipientDetails: current.recipientDetails,
    recipientId: current.recipientId,
    recipientType: current.recipientType,
  };
}
