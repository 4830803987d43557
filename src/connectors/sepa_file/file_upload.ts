/**
 * Uploads built SEPA files to the bank's inbound folder exactly once.
 *
 * One attempt: lease the row in Postgres; if the final name is already on the server with
 * our content, an earlier attempt got that far and the row is only marked; otherwise write a
 * temporary `<name>.<lease token>.part`, check its size, note in Postgres that it is about to
 * be renamed (only while the lease holds), rename it to the final name (a rename never
 * replaces a file), and mark the row uploaded. The bank sees a file appear whole, once:
 * a crash before the rename leaves a temporary file that the next attempt replaces with its
 * own; a crash after it leaves the final file, which the next attempt finds.
 *
 * @module
 */
import type { Pool } from "../../db/types.ts";
import { sha256Hex } from "../../hash.ts";
import { backoffMs } from "../../runtime/backoff.ts";
import { type BankDrop, type OpenBankDrop, RemoteFileExistsError } from "./bank_drop.ts";
import type { WriteProgress } from "./bank_drop.ts";
import {
  type ClaimedSepaFile,
  claimSepaFile,
  markFailed,
  markInDoubt,
  markUploaded,
  recordRenaming,
} from "./sepa_files.repository.ts";

/** Points where a test can hold an attempt still (to kill it there). */
export interface UploadHooks {
  /** After each chunk of the temporary file the server acknowledged. */
  onPartProgress?: WriteProgress;
  /** After Postgres noted the coming rename, before it is sent. */
  beforeRename?: () => void | Promise<void>;
  /** After the rename, before Postgres records the upload. */
  afterRename?: () => void | Promise<void>;
}

export interface UploadOptions {
  /** Recorded as the lease owner. */
  worker: string;
  /**
   * How long a claim keeps other uploaders off (default 5 min). Must exceed the longest
   * attempt: connect, write, rename, each bounded by the drop's timeouts.
   */
  leaseMs?: number;
  /** Lease time the rename needs left (default 60 s: well over one request's timeout). */
  renameMarginMs?: number;
  /** Backoff after a failed attempt: about `retryBaseMs`, doubling up to `retryMaxMs`. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  hooks?: UploadHooks;
}

/** What one attempt did. */
export type UploadOutcome =
  | { status: "uploaded"; id: string; name: string; attempts: number }
  /** An earlier attempt had put it there; only the record was missing. */
  | { status: "found"; id: string; name: string; attempts: number }
  | {
    status: "failed";
    id: string;
    name: string;
    attempts: number;
    error: string;
    retryInMs: number;
  }
  /** Maybe delivered and taken away by the bank: parked for an operator, never re-sent. */
  | { status: "in_doubt"; id: string; name: string; attempts: number; reason: string }
  /** Another uploader took the file over mid-attempt; it finishes the job. */
  | { status: "lease_lost"; id: string; name: string; attempts: number };

/** The final name holds other content than ours: never overwritten. */
export class RemoteConflictError extends Error {
  override name = "RemoteConflictError";
  readonly code = "remote_conflict";

  constructor(readonly remoteName: string, readonly actualSha256: string | null) {
    super(
      `the bank's inbound ${remoteName} holds other content (${
        actualSha256 ? `sha256 ${actualSha256.slice(0, 12)}…` : "another size"
      }); not overwritten`,
    );
  }
}

/**
 * Makes one upload attempt on the oldest due file, or returns null when none is due. Failures
 * of the drop (outage, timeout, conflict) are recorded on the row, which waits for a retry
 * with backoff; Postgres failures are thrown, and the lease running out hands the file to
 * a later attempt.
 */
export async function uploadNextFile(
  sql: Pool,
  openDrop: OpenBankDrop,
  options: UploadOptions,
): Promise<UploadOutcome | null> {
  const file = await claimSepaFile(sql, options.worker, options.leaseMs ?? 300_000);
  if (!file) return null;
  const base = { id: file.id, name: file.name, attempts: file.attempts };
  let result: Delivery;
  try {
    result = await deliver(sql, openDrop, file, options);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const retryInMs = backoffMs(
      file.attempts,
      options.retryBaseMs ?? 30_000,
      options.retryMaxMs ?? 1_800_000,
    );
    if (!(await markFailed(sql, file.id, file.leaseToken, message, retryInMs))) {
      // Taken over meanwhile (the successor may have removed our temporary file under us):
      // the row is the successor's now, so this attempt leaves it alone.
      return { ...base, status: "lease_lost" };
    }
    return { ...base, status: "failed", error: message, retryInMs };
  }
  if (result.status === "in_doubt") {
    await markInDoubt(sql, file.id, file.leaseToken, result.reason);
    return { ...base, ...result };
  }
  if (result.status !== "lease_lost") await markUploaded(sql, file.id);
  return { ...base, status: result.status };
}

/**
 * Attempts uploads until none is due or `limit` attempts were made. Stops at the first
 * failure: when the bank is down, the other files would fail the same way.
 */
export async function uploadDueFiles(
  sql: Pool,
  openDrop: OpenBankDrop,
  options: UploadOptions & { limit?: number },
): Promise<UploadOutcome[]> {
  const outcomes: UploadOutcome[] = [];
  while (outcomes.length < (options.limit ?? 100)) {
    const outcome = await uploadNextFile(sql, openDrop, options);
    if (!outcome) break;
    outcomes.push(outcome);
    if (outcome.status === "failed") break;
  }
  return outcomes;
}

/** The temporary name an attempt writes to; a pattern no final name can match. */
export function partName(name: string, leaseToken: string): string {
  return `${name}.${leaseToken.replaceAll("-", "")}.part`;
}

type Delivery =
  | { status: "uploaded" | "found" | "lease_lost" }
  | { status: "in_doubt"; reason: string };

async function deliver(
  sql: Pool,
  openDrop: OpenBankDrop,
  file: ClaimedSepaFile,
  options: UploadOptions,
): Promise<Delivery> {
  const bytes = new TextEncoder().encode(file.xml);
  const drop = await openDrop();
  try {
    if (await holdsOurs(drop, file.name, bytes.length, file.sha256)) {
      await removeParts(drop, file.name);
      return { status: "found" };
    }
    // Our file is not there. If an attempt was renaming a temporary file that is gone too,
    // the rename may have happened and the bank may have taken the file since: sending it
    // again could pay twice, so a person decides.
    for (const part of file.renamingParts) {
      if (!(await drop.exists(part))) {
        return {
          status: "in_doubt",
          reason: `${part} was being renamed to ${file.name}, and neither is on the server ` +
            "any more: the bank may have received and taken it",
        };
      }
    }
    const part = partName(file.name, file.leaseToken);
    await drop.writeFile(part, bytes, options.hooks?.onPartProgress);
    const written = await drop.stat(part);
    if (written?.size !== bytes.length) {
      throw new Error(
        `${part} has ${written?.size ?? "no"} bytes on the server, not ${bytes.length}`,
      );
    }
    const renameMarginMs = options.renameMarginMs ?? 60_000;
    if (!(await recordRenaming(sql, file.id, file.leaseToken, part, renameMarginMs))) {
      // Only the holder of this token would ever rename this file, so it can go; the
      // successor may have cleaned up before we finished writing it.
      await drop.remove(part).catch(() => {});
      return { status: "lease_lost" };
    }
    await options.hooks?.beforeRename?.();
    try {
      await drop.rename(part, file.name);
    } catch (error) {
      if (!(error instanceof RemoteFileExistsError)) throw error;
      // Another attempt (whose lease ran out under it) renamed first: fine if it is ours.
      if (!(await holdsOurs(drop, file.name, bytes.length, file.sha256))) throw error;
      await removeParts(drop, file.name);
      return { status: "found" };
    }
    await options.hooks?.afterRename?.();
    await removeParts(drop, file.name);
    return { status: "uploaded" };
  } finally {
    await drop.close();
  }
}

/**
 * Whether inbound `name` is our file: same size, then same hash (read back, since SFTP
 * cannot hash on the server). Throws {@linkcode RemoteConflictError} if another file holds
 * the name.
 */
async function holdsOurs(
  drop: BankDrop,
  name: string,
  size: number,
  sha256: string,
): Promise<boolean> {
  const found = await drop.stat(name);
  if (!found) return false;
  if (found.size !== size) throw new RemoteConflictError(name, null);
  const actual = sha256Hex(await drop.readFile(name));
  if (actual !== sha256) throw new RemoteConflictError(name, actual);
  return true;
}

// Leftovers of earlier attempts. Best effort: the file itself is safely there, and a stray
// temporary file is not a payment order (the bank is told to ignore `.part` names).
async function removeParts(drop: BankDrop, name: string): Promise<void> {
  try {
    const prefix = `${name}.`;
    for (const file of await drop.listInbound()) {
      const token = file.name.slice(prefix.length, -".part".length);
      if (
        file.name.startsWith(prefix) && file.name.endsWith(".part") && /^[0-9a-f]{32}$/.test(token)
      ) {
        await drop.remove(file.name);
      }
    }
  } catch {
    // see above
  }
}
