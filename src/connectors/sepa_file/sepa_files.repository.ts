/**
 * SQL for SEPA credit-transfer files on their way to the bank: recording a built file,
 * leasing it to one uploader, and each outcome of an attempt. Every change is one
 * conditional statement, so concurrent uploaders are decided by the database.
 */
import type { Db } from "../../db/types.ts";

export type SepaFileStatus = "built" | "uploading" | "uploaded" | "in_doubt";

/** A file as stored. */
export interface SepaFile {
  id: string;
  name: string;
  msgId: string;
  xml: string;
  sha256: string;
  paymentsCount: number;
  /** Exact decimal, as Postgres returns numeric. */
  ctrlSum: string;
  status: SepaFileStatus;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: Date;
  renamingParts: string[];
  createdAt: Date;
  uploadedAt: Date | null;
}

/** The file a payout was sent in, as an operator needs to trace it with the bank. */
export interface PayoutFile {
  id: string;
  name: string;
  msgId: string;
  status: SepaFileStatus;
  uploadedAt: Date | null;
}

/** The SEPA file that holds a payout's transfer; null when it is in none (yet). */
export async function findPayoutFile(sql: Db, payoutId: string): Promise<PayoutFile | null> {
  const [row] = await sql<
    { id: string; name: string; msg_id: string; status: SepaFileStatus; uploaded_at: Date | null }[]
  >`
    select f.id, f.name, f.msg_id, f.status, f.uploaded_at
    from sepa_payments sp join sepa_files f on f.id = sp.file_id
    where sp.payout_id = ${payoutId}
  `;
  return row
    ? {
      id: row.id,
      name: row.name,
      msgId: row.msg_id,
      status: row.status,
      uploadedAt: row.uploaded_at,
    }
    : null;
}

/** What the file builder hands over. */
export interface NewSepaFile {
  /** The file's id, when its content was made from it (the MsgId); else a new one. */
  id?: string;
  name: string;
  msgId: string;
  xml: string;
  paymentsCount: number;
  /** Decimal text, e.g. `"1250.00"`. */
  ctrlSum: string;
}

/** A file leased to one uploader. */
export interface ClaimedSepaFile {
  id: string;
  name: string;
  xml: string;
  sha256: string;
  /** Names every write of this attempt; a later claim gets another. */
  leaseToken: string;
  /** Attempts started, this one included. */
  attempts: number;
  renamingParts: string[];
}

/** Records a built file, waiting for its upload. The hash is computed by Postgres. */
export async function insertSepaFile(sql: Db, file: NewSepaFile): Promise<SepaFile> {
  const [row] = await sql<SepaFileRow[]>`
    insert into sepa_files (id, name, msg_id, xml, sha256, payments_count, ctrl_sum)
    values (
      ${file.id ?? crypto.randomUUID()}, ${file.name}, ${file.msgId}, ${file.xml},
      encode(sha256(convert_to(${file.xml}, 'UTF8')), 'hex'),
      ${file.paymentsCount}, ${file.ctrlSum}
    )
    returning *
  `;
  return toSepaFile(row);
}

/** The file with this id, or null. */
export async function findSepaFile(sql: Db, id: string): Promise<SepaFile | null> {
  const [row] = await sql<SepaFileRow[]>`select * from sepa_files where id = ${id}`;
  return row ? toSepaFile(row) : null;
}

/**
 * Leases the oldest file that is due: built and past its retry time, or uploading under a
 * lease that ran out (its uploader died or hung). SKIP LOCKED lets concurrent claims pass
 * each other; the lease keeps any other uploader off until `leaseMs` has passed.
 */
export async function claimSepaFile(
  sql: Db,
  worker: string,
  leaseMs: number,
): Promise<ClaimedSepaFile | null> {
  const [row] = await sql<ClaimRow[]>`
    with due as (
      select id from sepa_files
      where (status = 'built' and next_attempt_at <= now())
        or (status = 'uploading' and lease_until < now())
      order by created_at, id
      limit 1
      for update skip locked
    )
    update sepa_files f set
      status = 'uploading',
      attempts = f.attempts + 1,
      lease_owner = ${worker},
      lease_token = gen_random_uuid(),
      lease_until = clock_timestamp() + ${leaseMs} * interval '1 millisecond'
    from due
    where f.id = due.id
    returning f.id, f.name, f.xml, f.sha256, f.lease_token, f.attempts, f.renaming_parts
  `;
  if (!row) return null;
  return {
    id: row.id,
    name: row.name,
    xml: row.xml,
    sha256: row.sha256,
    leaseToken: row.lease_token,
    attempts: row.attempts,
    renamingParts: row.renaming_parts,
  };
}

/**
 * Notes that the holder of `leaseToken` is about to rename `part` to the file's name, if it
 * still holds the lease with `marginMs` to spare (the rename must end before anyone else
 * may take over). False: the lease is lost or too short, and the rename must not happen.
 */
export async function recordRenaming(
  sql: Db,
  id: string,
  leaseToken: string,
  part: string,
  marginMs: number,
): Promise<boolean> {
  const rows = await sql`
    update sepa_files set renaming_parts = array_append(renaming_parts, ${part})
    where id = ${id} and status = 'uploading' and lease_token = ${leaseToken}
      and lease_until > clock_timestamp() + ${marginMs} * interval '1 millisecond'
    returning id
  `;
  return rows.length === 1;
}

/**
 * Marks the file uploaded: the caller saw it on the server with the right content, which is
 * true whoever holds the lease. False if it was already marked (or is in doubt).
 */
export async function markUploaded(sql: Db, id: string): Promise<boolean> {
  const rows = await sql`
    update sepa_files set
      status = 'uploaded', uploaded_at = clock_timestamp(), last_error = null,
      lease_owner = null, lease_token = null, lease_until = null
    where id = ${id} and status in ('built', 'uploading')
    returning id
  `;
  return rows.length === 1;
}

/** Gives the file back for a retry after `delayMs`, if `leaseToken` still holds it. */
export async function markFailed(
  sql: Db,
  id: string,
  leaseToken: string,
  error: string,
  delayMs: number,
): Promise<boolean> {
  const rows = await sql`
    update sepa_files set
      status = 'built', last_error = ${error},
      next_attempt_at = clock_timestamp() + ${delayMs} * interval '1 millisecond',
      lease_owner = null, lease_token = null, lease_until = null
    where id = ${id} and status = 'uploading' and lease_token = ${leaseToken}
    returning id
  `;
  return rows.length === 1;
}

/** Parks the file for an operator, if `leaseToken` still holds it. */
export async function markInDoubt(
  sql: Db,
  id: string,
  leaseToken: string,
  reason: string,
): Promise<boolean> {
  const rows = await sql`
    update sepa_files set
      status = 'in_doubt', last_error = ${reason},
      lease_owner = null, lease_token = null, lease_until = null
    where id = ${id} and status = 'uploading' and lease_token = ${leaseToken}
    returning id
  `;
  return rows.length === 1;
}

/**
 * Settles a file in doubt: `delivered` when the bank confirmed it (a status report naming its
 * MsgId), `retry` when the bank confirmed it never arrived, so it is uploaded again.
 */
export async function resolveInDoubt(
  sql: Db,
  id: string,
  resolution: "delivered" | "retry",
): Promise<boolean> {
  const rows = resolution === "delivered"
    ? await sql`
      update sepa_files set status = 'uploaded', uploaded_at = clock_timestamp()
      where id = ${id} and status = 'in_doubt'
      returning id
    `
    : await sql`
      update sepa_files set status = 'built', next_attempt_at = clock_timestamp(),
        renaming_parts = '{}'
      where id = ${id} and status = 'in_doubt'
      returning id
    `;
  return rows.length === 1;
}

interface SepaFileRow {
  id: string;
  name: string;
  msg_id: string;
  xml: string;
  sha256: string;
  payments_count: number;
  ctrl_sum: string;
  status: SepaFileStatus;
  attempts: number;
  last_error: string | null;
  next_attempt_at: Date;
  renaming_parts: string[];
  created_at: Date;
  uploaded_at: Date | null;
}

interface ClaimRow {
  id: string;
  name: string;
  xml: string;
  sha256: string;
  lease_token: string;
  attempts: number;
  renaming_parts: string[];
}

function toSepaFile(row: SepaFileRow): SepaFile {
  return {
    id: row.id,
    name: row.name,
    msgId: row.msg_id,
    xml: row.xml,
    sha256: row.sha256,
    paymentsCount: row.payments_count,
    ctrlSum: row.ctrl_sum,
    status: row.status,
    attempts: row.attempts,
    lastError: row.last_error,
    nextAttemptAt: row.next_attempt_at,
    renamingParts: row.renaming_parts,
    createdAt: row.created_at,
    uploadedAt: row.uploaded_at,
  };
}
