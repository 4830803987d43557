/**
 * The SEPA credit-transfer rail as a connector: `pay` checks that the transfer can be written
 * into a pain.001 file and records it in `sepa_payments` (once per payout: a second call
 * finds the row), then answers `submitted`. The file builder puts it into the next file at
 * the cut-off, and the bank's status report decides the payout (sepa_runner.ts).
 *
 * It refuses, before anything is recorded or sent, what SEPA cannot carry but another rail
 * might: IBANs of countries outside SEPA and amounts above the EPC maximum. What no rail can
 * pay as it stands (an invalid IBAN or BIC, a name without Latin letters) fails.
 *
 * @module
 */
import { electronicFormatIBAN, isSEPACountry, isValidIBAN } from "ibantools";
import type { Db } from "../../db/types.ts";
import { formatMinor } from "../../payouts/money.ts";
import type { Connector, ConnectorResult, PaymentOrder } from "../connector.ts";
import { SEPA_FILE } from "../connector_catalog.ts";
import { buildPain001, type SepaParty } from "./pain001.ts";
import { MAX_AMOUNT_MINOR, prepareFile, type SepaFileInput } from "./pain001_input.ts";
import { SepaFileError } from "./sepa_errors.ts";
import { endToEndIdFor, msgIdFor } from "./sepa_ids.ts";
import { hasSepaPayment, insertSepaPayment, type SepaPayment } from "./sepa_payments.repository.ts";

export interface SepaFileConnectorOptions {
  /** Our account: the debtor of every transfer (checked with each one, as its file will be). */
  debtor: SepaParty;
}

export class SepaFileConnector implements Connector {
  readonly name = SEPA_FILE.name;
  readonly currencies = SEPA_FILE.currencies;
  readonly recipientTypes = SEPA_FILE.recipientTypes;
  readonly answersLater = SEPA_FILE.answersLater;

  constructor(private readonly sql: Db, private readonly options: SepaFileConnectorOptions) {}

  async pay(order: PaymentOrder): Promise<ConnectorResult> {
    const checked = checkTransfer(order, this.options.debtor);
    if ("outcome" in checked) return checked;
    await insertSepaPayment(this.sql, checked);
    return { outcome: "submitted" };
  }

  wasPaid(payoutId: string): Promise<boolean> {
    return hasSepaPayment(this.sql, payoutId);
  }
}

/**
 * The transfer `order` asks for, exactly as its file will carry it, or why it cannot be
 * sent: `refused` for what another rail might pay, `permanent_error` for what none can.
 */
export function checkTransfer(
  order: PaymentOrder,
  debtor: SepaParty,
): SepaPayment | Extract<ConnectorResult, { outcome: "refused" | "permanent_error" }> {
  const fail = (reason: string) => ({ outcome: "permanent_error" as const, reason });
  if (order.currency !== "EUR" || order.recipientType !== "sepa") {
    return fail(
      `sepa_file pays EUR to SEPA recipients, not ${order.currency} to ` +
        `${order.recipientType} recipients`,
    );
  }
  const iban = electronicFormatIBAN(order.recipient.account ?? "") ?? "";
  if (!isValidIBAN(iban)) return fail("the recipient's IBAN is not a valid IBAN");
  const country = iban.slice(0, 2);
  if (!isSEPACountry(country)) {
    return {
      outcome: "refused",
      reason: `the recipient's IBAN is of ${country}, which is not in SEPA`,
    };
  }
  if (order.amountMinor > MAX_AMOUNT_MINOR) {
    return {
      outcome: "refused",
      reason: `EUR ${order.amount} is above the SEPA maximum of EUR 999999999.99`,
    };
  }
  const bic = (order.recipient.bic ?? "").replaceAll(" ", "").toUpperCase();
  const endToEndId = endToEndIdFor(order.payoutId);
  // The file this transfer will be one of, with it alone: what the builder will write, and
  // every check it will make (the sepa library's included), so no file ever fails on it.
  const file: SepaFileInput = {
    msgId: msgIdFor(order.payoutId),
    createdAt: new Date(),
    debtor,
    requestedExecutionDate: new Date().toISOString().slice(0, 10),
    payments: [{
      endToEndId,
      amountMinor: order.amountMinor,
      name: order.recipient.name ?? "",
      iban,
      ...(bic === "" ? {} : { bic }),
      ...(order.description === "" ? {} : { remittanceInfo: order.description }),
    }],
  };
  try {
    const [prepared] = prepareFile(file).payments;
    buildPain001(file);
    return {
      payoutId: order.payoutId,
      endToEndId,
      amount: formatMinor(prepared.amountMinor, 2),
      iban: prepared.iban,
      bic: prepared.bic === "" ? null : prepared.bic,
      name: prepared.name,
      remittanceInfo: prepared.remittanceInfo ?? null,
    };
  } catch (error) {
    if (!(error instanceof SepaFileError)) throw error;
    // The message names the EndToEndId; the payout's own id is enough here.
    return fail(error.message.replace(`payment ${endToEndId}: `, ""));
  }
}

/**
 * Checks our own account as the debtor of a file, at start: a debtor the files cannot carry
 * would fail every transfer.
 * @throws SepaFileError saying what is wrong.
 */
export function checkDebtor(debtor: SepaParty): void {
  buildPain001({
    msgId: msgIdFor(crypto.randomUUID()),
    createdAt: new Date(),
    debtor,
    requestedExecutionDate: new Date().toISOString().slice(0, 10),
    payments: [{
      endToEndId: endToEndIdFor(crypto.randomUUID()),
      amountMinor: 1n,
      name: "Check",
      iban: debtor.iban,
      ...(debtor.bic ? { bic: debtor.bic } : {}),
    }],
  });
}
