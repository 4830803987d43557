/**
 * SQL for `sepa_payments`, the sepa_file connector's record of the credit transfers it
 * accepted: one row per payout (its idempotency), waiting for a file until the builder
 * assigns one.
 */
import type { Db } from "../../db/types.ts";

/** A credit transfer as accepted: every value exactly as its file will carry it. */
export interface SepaPayment {
  payoutId: string;
  endToEndId: string;
  /** EUR, two fraction digits ("125.50"). */
  amount: string;
  iban: string;
  bic: string | null;
  name: string;
  remittanceInfo: string | null;
}

/** An accepted transfer waiting for a file, locked by the builder's transaction. */
export interface UnassignedPayment extends SepaPayment {
  /** Older than the cut-off: its file is due whatever the count. */
  overdue: boolean;
}

/** Records an accepted transfer; a payout recorded before keeps its row as it was. */
export async function insertSepaPayment(sql: Db, payment: SepaPayment): Promise<void> {
  await sql`
    insert into sepa_payments (
      payout_id, end_to_end_id, amount, iban, bic, name, remittance_info
    ) values (
      ${payment.payoutId}, ${payment.endToEndId}, ${payment.amount}::numeric, ${payment.iban},
      ${payment.bic}, ${payment.name}, ${payment.remittanceInfo}
    )
    on conflict (payout_id) do nothing
  `;
}

/** Whether the connector accepted this payout. */
export async function hasSepaPayment(sql: Db, payoutId: string): Promise<boolean> {
  const rows = await sql`select 1 from sepa_payments where payout_id = ${payoutId}`;
  return rows.length > 0;
}

/**
 * Locks up to `limit` transfers without a file, oldest first, skipping those another
 * builder holds; each says whether it is older than `cutoffMs` (by Postgres's clock).
 */
export async function lockUnassignedPayments(
  sql: Db,
  limit: number,
  cutoffMs: number,
): Promise<UnassignedPayment[]> {
  const rows = await sql<PaymentRow[]>`
    select payout_id, end_to_end_id, amount::text as amount, iban, bic, name, remittance_info,
      created_at <= clock_timestamp() - ${cutoffMs} * interval '1 millisecond' as overdue
    from sepa_payments
    where file_id is null
    order by created_at, payout_id
    limit ${limit}
    for update skip locked
  `;
  return rows.map((row) => ({ ...toPayment(row), overdue: row.overdue }));
}

/** Puts the transfers into file `fileId`. */
export async function assignPayments(sql: Db, payoutIds: string[], fileId: string): Promise<void> {
  await sql`
    update sepa_payments set file_id = ${fileId}
    where payout_id = any(${payoutIds}::uuid[]) and file_id is null
  `;
}

/** The transfers of file `fileId`: payout id and EndToEndId. */
export async function paymentsOfFile(
  sql: Db,
  fileId: string,
): Promise<{ payoutId: string; endToEndId: string }[]> {
  const rows = await sql<{ payout_id: string; end_to_end_id: string }[]>`
    select payout_id, end_to_end_id from sepa_payments where file_id = ${fileId}
    order by end_to_end_id
  `;
  return rows.map((row) => ({ payoutId: row.payout_id, endToEndId: row.end_to_end_id }));
}

interface PaymentRow {
  payout_id: string;
  end_to_end_id: string;
  amount: string;
  iban: string;
  bic: string | null;
  name: string;
  remittance_info: string | null;
  overdue: boolean;
}

function toPayment(row: PaymentRow): SepaPayment {
  return {
    payoutId: row.payout_id,
    endToEndId: row.end_to_end_id,
    amount: row.amount,
    iban: row.iban,
    bic: row.bic,
    name: row.name,
    remittanceInfo: row.remittance_info,
  };
}
