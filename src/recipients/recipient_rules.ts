/**
 * The recipient's rules that span fields: a sepa recipient is paid in EUR under a name a
 * SEPA file can carry, a PATCH's account must have the shape of the recipient's type, and
 * what a payout copies of it.
 */
import { NAME_MAX_LENGTH, toSepaText } from "../connectors/sepa_file/sepa_text.ts";
import { ValidationError } from "../errors.ts";
import type { PayoutRecipient } from "../payouts/payout_recipient.ts";
import {
  type Account,
  type Metadata,
  type Recipient,
  type RecipientType,
  sepaAccountOf,
  type TestAccount,
} from "./recipient.ts";
import { parseAccount } from "./recipient_accounts.ts";

/** What a recipient is made of, before it is stored. */
export interface RecipientDraft {
  name: string;
  type: RecipientType;
  currency: string | null;
  account: Account;
  metadata: Metadata;
}

/** A create request after its shape was checked (account of its type, currency upper-case). */
export interface CreateRecipientInput {
  name: string;
  type: RecipientType;
  currency?: string | null;
  account: Account;
  metadata?: Metadata;
}

/**
 * A PATCH after its shape was checked; `account` is judged against the recipient's type
 * here, `currency: null` binds it to none.
 */
export interface PatchRecipientInput {
  name?: string;
  currency?: string | null;
  account?: Record<string, unknown>;
  metadata?: Metadata;
}

/** The only currency of SEPA credit transfers. */
export const SEPA_CURRENCY = "EUR";

/** The recipient to create: a sepa one is bound to EUR when no currency is given. */
export function buildRecipientDraft(input: CreateRecipientInput): RecipientDraft {
  const currency = input.currency ?? null;
  if (input.type === "sepa" && currency !== null) checkSepaCurrency(currency);
  if (input.type === "sepa") checkSepaName(input.name);
  return {
    name: input.name,
    type: input.type,
    currency: input.type === "sepa" ? SEPA_CURRENCY : currency,
    account: input.account,
    metadata: input.metadata ?? {},
  };
}

/** Applies a PATCH to the current recipient; throws ValidationError naming the field. */
export function applyRecipientPatch(
  current: Recipient,
  patch: PatchRecipientInput,
): RecipientDraft {
  const currency = patch.currency !== undefined ? patch.currency : current.currency;
  if (current.type === "sepa" && patch.currency !== undefined) checkSepaCurrency(currency);
  if (current.type === "sepa" && patch.name !== undefined) checkSepaName(patch.name);
  return {
    name: patch.name ?? current.name,
    type: current.type,
    currency,
    account: patch.account === undefined
      ? current.account
      : parseAccount(current.type, patch.account),
    metadata: patch.metadata ?? current.metadata,
  };
}

/**
 * A sepa recipient's name goes into SEPA files, which carry Latin letters, digits and a few
 * signs (others are transliterated or dropped): a name with none of them cannot be sent.
 */
function checkSepaName(name: string): void {
  if (toSepaText(name, NAME_MAX_LENGTH) !== "") return;
  throw new ValidationError([{
    path: "name",
    message: "must have characters a SEPA transfer can carry (Latin letters or digits)",
  }]);
}

/** A sepa recipient's currency can only be EUR: not another, not none. */
function checkSepaCurrency(currency: string | null): void {
  if (currency === SEPA_CURRENCY) return;
  throw new ValidationError([{
    path: "currency",
    message: "must be EUR: SEPA credit transfers are in euros",
  }]);
}

/** What a PATCH changed, for the audit trail: never an account number. */
export function describeRecipientChanges(
  current: Recipient,
  draft: RecipientDraft,
): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  if (draft.name !== current.name) changes.name = true;
  if (draft.currency !== current.currency) {
    changes.currency = { from: current.currency, to: draft.currency };
  }
  if (JSON.stringify(draft.account) !== JSON.stringify(current.account)) changes.account = true;
  if (JSON.stringify(draft.metadata) !== JSON.stringify(current.metadata)) {
    changes.metadata = true;
  }
  return changes;
}

/**
 * What a payout copies of a recipient and is paid to: for sepa `{account: <IBAN>, name,
 * bic?}` (what a SEPA file needs), for test its account as it is.
 */
export function payoutRecipientOf(recipient: Recipient): PayoutRecipient {
  if (recipient.type === "sepa") {
    const { iban, bic } = sepaAccountOf(recipient);
    return {
      id: recipient.id,
      type: "sepa",
      currency: recipient.currency,
      details: { account: iban, name: recipient.name, ...(bic ? { bic } : {}) },
    };
  }
  return {
    id: recipient.id,
    type: "test",
    currency: recipient.currency,
    details: { ...(recipient.account as TestAccount) },
  };
}
