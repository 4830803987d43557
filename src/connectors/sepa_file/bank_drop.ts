/**
 * The bank's file drop as the SEPA rail sees it: an inbound folder we deliver payment files
 * to and an outbound folder the bank leaves reports in. The exactly-once protocols
 * (file_upload.ts, report_pickup.ts) are written against this interface; sftp_drop.ts
 * implements it over SFTP.
 *
 * @module
 */

/** A file in the inbound folder. */
export interface RemoteFile {
  name: string;
  size: number;
  modifiedAt: Date;
}

/** Called while a file is written, after each chunk the server acknowledged. */
export type WriteProgress = (written: number, total: number) => void | Promise<void>;

/** One session with the bank's drop; every call fails within a bounded time. */
export interface BankDrop {
  /**
   * Writes `bytes` to inbound `name`, replacing any file of that name, and has the server
   * flush it to disk where it can (so a file renamed afterwards is whole even if the server
   * crashes).
   */
  writeFile(name: string, bytes: Uint8Array, onProgress?: WriteProgress): Promise<void>;
  /** Inbound `name`, or null when there is no such file. */
  stat(name: string): Promise<RemoteFile | null>;
  /** Whether inbound `name` exists. */
  exists(name: string): Promise<boolean>;
  /**
   * Renames inbound `from` to `to` in one step. Never replaces a file: throws
   * {@linkcode RemoteFileExistsError} when `to` exists.
   */
  rename(from: string, to: string): Promise<void>;
  /** The content of inbound `name`. */
  readFile(name: string): Promise<Uint8Array>;
  /** Deletes inbound `name`; a missing file is not an error. */
  remove(name: string): Promise<void>;
  /** The files (not folders) in the inbound folder. */
  listInbound(): Promise<RemoteFile[]>;

  /** Names of the report files waiting in the outbound folder, oldest first. */
  listReports(): Promise<string[]>;
  /** The content of outbound report `name`, or null if it is gone (another pickup took it). */
  readReport(name: string): Promise<Uint8Array | null>;
  /**
   * Moves outbound report `name` into `processed/` beside it, so it is not listed again. If
   * `processed/` already holds a file of that name the report is deleted instead (its
   * content is kept by whoever recorded it).
   */
  archiveReport(name: string): Promise<void>;

  /** Ends the session; safe to call twice, and after a failure. */
  close(): Promise<void>;
}

/** Opens a new session with the drop: one per upload attempt or pickup round. */
export type OpenBankDrop = () => Promise<BankDrop>;

/** A rename found its target taken; nothing was replaced. */
export class RemoteFileExistsError extends Error {
  override name = "RemoteFileExistsError";
  readonly code = "remote_file_exists";

  constructor(readonly target: string) {
    super(`${target} already exists on the bank's server; not replaced`);
  }
}

/** The server's host key is not the one pinned in the configuration. */
export class HostKeyMismatchError extends Error {
  override name = "HostKeyMismatchError";
  readonly code = "host_key_mismatch";

  constructor(readonly expected: string, readonly actual: string) {
    super(`the server's host key is ${actual}, not the pinned ${expected}; refusing to connect`);
  }
}

/** A name the drop will not use: it must name a file in the folder itself, not a path. */
export class InvalidRemoteNameError extends Error {
  override name = "InvalidRemoteNameError";
  readonly code = "invalid_remote_name";

  constructor(readonly remoteName: string) {
    super(`${JSON.stringify(remoteName)} is not a plain file name`);
  }
}

/**
 * Throws {@linkcode InvalidRemoteNameError} unless `name` is a plain file name: names come
 * from the database and from the bank's listing, and neither may reach outside the folder.
 */
export function assertPlainName(name: string): void {
  // deno-lint-ignore no-control-regex
  const bad = name.length === 0 || name.length > 255 || /[/\\\x00]/.test(name) ||
    name === "." || name === "..";
  if (bad) throw new InvalidRemoteNameError(name);
}
