/** Recipients and their events as the API writes them: account numbers masked by default. */
import { maskAccount } from "../bank_accounts/account_mask.ts";
import {
  type Recipient,
  type RecipientEvent,
  type SepaAccount,
  sepaAccountOf,
  type TestAccount,
} from "./recipient.ts";

/** The recipient's bank details, with the account number masked unless `reveal`. */
function presentAccount(recipient: Recipient, reveal: boolean): SepaAccount | TestAccount {
  const shown = (number: string) => reveal ? number : maskAccount(number);
  if (recipient.type === "sepa") {
    const { iban, bic } = sepaAccountOf(recipient);
    return bic === undefined ? { iban: shown(iban) } : { iban: shown(iban), bic };
  }
  const account = recipient.account as TestAccount;
  return { ...account, account: shown(account.account) };
}

/**
 * A recipient as the API shows it. Only `GET …/{id}/?reveal=true`, which the audit trail
 * records, passes `reveal`.
 */
export function presentRecipient(recipient: Recipient, options: { reveal?: boolean } = {}) {
  return {
    id: recipient.id,
    name: recipient.name,
    type: recipient.type,
    currency: recipient.currency,
    account: presentAccount(recipient, options.reveal ?? false),
    metadata: recipient.metadata,
    created_at: recipient.createdAt.toISOString(),
    updated_at: recipient.updatedAt.toISOString(),
  };
}

export function presentRecipientEvent(event: RecipientEvent) {
  return {
    action: event.action,
    actor: event.actor,
    at: event.at.toISOString(),
    request_id: event.requestId,
    detail: event.detail,
  };
}
