/**
 * Builds the next SEPA file: when the transfers waiting for one are as many as a file holds,
 * or the oldest has waited past the cut-off, one transaction locks them (up to a file's worth,
 * skipping those another builder holds), writes their pain.001, records the file and assigns
 * it to the transfers and their payouts. Any number of workers may build at once: each file
 * takes its own transfers, and a transfer is in exactly one file.
 *
 * @module
 */
import type { Pool } from "../../db/types.ts";
import { assignSepaFile } from "../../payouts/bank_outcomes.repository.ts";
import { formatMinor, numericToMinor } from "../../payouts/money.ts";
import { SEPA_FILE } from "../connector_catalog.ts";
import { buildPain001, type SepaParty } from "./pain001.ts";
import { insertSepaFile } from "./sepa_files.repository.ts";
import { msgIdFor } from "./sepa_ids.ts";
import { assignPayments, lockUnassignedPayments } from "./sepa_payments.repository.ts";

export interface FileBuilderOptions {
  debtor: SepaParty;
  /** A file is due once its oldest transfer waited this long. */
  cutoffMs: number;
  /** Transfers per file at most; a full file is due at once. */
  maxPayments: number;
  /** Recorded as the actor of the payouts' `sepa_file_assigned` events. */
  actor: string;
}

/** A file the builder recorded, ready for upload. */
export interface BuiltFile {
  id: string;
  name: string;
  paymentsCount: number;
  ctrlSum: string;
}

/** The file name on the bank's server for the file with this MsgId. */
export function sepaFileName(msgId: string): string {
  return `pain001-${msgId}.xml`;
}

/** Builds one due file, or returns null when none is due. */
export function buildDueFile(sql: Pool, options: FileBuilderOptions): Promise<BuiltFile | null> {
  return sql.begin(async (tx) => {
    const payments = await lockUnassignedPayments(tx, options.maxPayments, options.cutoffMs);
    if (payments.length === 0) return null;
    if (payments.length < options.maxPayments && !payments[0].overdue) return null;
    const id = crypto.randomUUID();
    const msgId = msgIdFor(id);
    const name = sepaFileName(msgId);
    const now = new Date();
    const amounts = payments.map((payment) => numericToMinor(payment.amount, 2));
    const xml = buildPain001({
      msgId,
      createdAt: now,
      debtor: options.debtor,
      // Today in UTC: the bank executes it on its next business day if today is not one.
      requestedExecutionDate: now.toISOString().slice(0, 10),
      payments: payments.map((payment, i) => ({
        endToEndId: payment.endToEndId,
        amountMinor: amounts[i],
        name: payment.name,
        iban: payment.iban,
        ...(payment.bic === null ? {} : { bic: payment.bic }),
        ...(payment.remittanceInfo === null ? {} : { remittanceInfo: payment.remittanceInfo }),
      })),
    });
    const ctrlSum = formatMinor(amounts.reduce((sum, amount) => sum + amount, 0n), 2);
    await insertSepaFile(tx, {
      id,
      name,
      msgId,
      xml,
      paymentsCount: payments.length,
      ctrlSum,
    });
    const payoutIds = payments.map((payment) => payment.payoutId);
    await assignPayments(tx, payoutIds, id);
    await assignSepaFile(
      tx,
      { payoutIds, fileId: id, fileName: name, connector: SEPA_FILE.name },
      options.actor,
    );
    return { id, name, paymentsCount: payments.length, ctrlSum };
  });
}
