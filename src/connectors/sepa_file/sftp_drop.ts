/**
 * The bank's file drop over SFTP: {@linkcode BankDrop} on one {@linkcode SftpSession}.
 * Files are moved in chunks, each chunk one bounded request, so a large file is not one
 * long wait and a frozen server is noticed within one timeout.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { SFTPWrapper } from "ssh2";
import {
  assertPlainName,
  type BankDrop,
  type OpenBankDrop,
  type RemoteFile,
  RemoteFileExistsError,
  type WriteProgress,
} from "./bank_drop.ts";
import { connectSftp, raw, type SftpConnectConfig, type SftpSession } from "./sftp_session.ts";

/** How to reach the bank and where its folders are (absolute, as the server shows them). */
export interface SftpDropConfig extends SftpConnectConfig {
  /** Where we deliver payment files, e.g. `/inbound`. */
  inboundDir: string;
  /** Where the bank leaves reports, e.g. `/outbound`. */
  outboundDir: string;
}

// One bounded step of a transfer (and one progress report).
const CHUNK_BYTES = 256 * 1024;
// The write size every SFTP server accepts (draft-ietf-secsh-filexfer: 32 KiB).
const REQUEST_BYTES = 32 * 1024;
const PROCESSED = "processed";

/** Connects to the bank's SFTP server and returns the drop, or throws within the timeout. */
export async function openSftpDrop(config: SftpDropConfig): Promise<BankDrop> {
  return new SftpDrop(await connectSftp(config), config);
}

/** An {@linkcode OpenBankDrop} for `config`: each call is a new connection. */
export function sftpDropOpener(config: SftpDropConfig): OpenBankDrop {
  return () => openSftpDrop(config);
}

class SftpDrop implements BankDrop {
  readonly #session: SftpSession;
  readonly #inbound: string;
  readonly #outbound: string;

  constructor(session: SftpSession, config: SftpDropConfig) {
    this.#session = session;
    this.#inbound = config.inboundDir.replace(/\/+$/, "");
    this.#outbound = config.outboundDir.replace(/\/+$/, "");
  }

  async writeFile(name: string, bytes: Uint8Array, onProgress?: WriteProgress): Promise<void> {
    const { call, sftp } = this.#session;
    const path = this.#in(name);
    // "w" truncates: a leftover from an interrupted attempt is overwritten, never appended to.
    const handle = await call(`open ${path}`, () => raw.open(sftp, path, "w"));
    let failed = true;
    try {
      for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES) {
        const end = Math.min(bytes.length, offset + CHUNK_BYTES);
        await call(`write ${path}`, () => writePipelined(sftp, handle, bytes, offset, end));
        await onProgress?.(end, bytes.length);
      }
      await call(`fsync ${path}`, () => raw.fsync(sftp, handle)).catch((error) => {
        // Only OpenSSH offers fsync@openssh.com; elsewhere the close has to do.
        if (!String(error?.message).includes("does not support")) throw error;
      });
      failed = false;
    } finally {
      await call(`close ${path}`, () => raw.close(sftp, handle)).catch((error) => {
        if (!failed) throw error; // else the first failure is the one to report
      });
    }
  }

  async stat(name: string): Promise<RemoteFile | null> {
    const path = this.#in(name);
    try {
      const stats = await this.#session.call(`stat ${path}`, () => this.#session.client.stat(path));
      return { name, size: stats.size, modifiedAt: new Date(stats.modifyTime) };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async exists(name: string): Promise<boolean> {
    return (await this.stat(name)) !== null;
  }

  async rename(from: string, to: string): Promise<void> {
    await this.#renameIn(this.#in(from), this.#in(to));
  }

  readFile(name: string): Promise<Uint8Array> {
    return this.#read(this.#in(name));
  }

  async remove(name: string): Promise<void> {
    const path = this.#in(name);
    await this.#session.call(`remove ${path}`, () => this.#session.client.delete(path, true));
  }

  listInbound(): Promise<RemoteFile[]> {
    return this.#listFiles(this.#inbound);
  }

  async listReports(): Promise<string[]> {
    const files = await this.#listFiles(this.#outbound);
    // The order the bank wrote them in: a later report may refer to an earlier one.
    files.sort((a, b) =>
      a.modifiedAt.getTime() - b.modifiedAt.getTime() || (a.name < b.name ? -1 : 1)
    );
    return files.map((file) => file.name);
  }

  async readReport(name: string): Promise<Uint8Array | null> {
    try {
      return await this.#read(this.#out(name));
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async archiveReport(name: string): Promise<void> {
    const { call, client } = this.#session;
    const folder = `${this.#outbound}/${PROCESSED}`;
    if (!(await call(`stat ${folder}`, () => client.exists(folder)))) {
      await call(`mkdir ${folder}`, () => client.mkdir(folder)).catch(async (error) => {
        // Another pickup made it meanwhile.
        if (!(await call(`stat ${folder}`, () => client.exists(folder)))) throw error;
      });
    }
    try {
      await this.#renameIn(this.#out(name), `${folder}/${name}`);
    } catch (error) {
      if (!(error instanceof RemoteFileExistsError)) throw error;
      await call(`remove ${name}`, () => client.delete(this.#out(name), true));
    }
  }

  close(): Promise<void> {
    return this.#session.close();
  }

  // SFTP's plain RENAME fails when the target exists (OpenSSH implements it with link(2)),
  // unlike posix-rename@openssh.com: exactly the no-overwrite rename the upload needs.
  async #renameIn(from: string, to: string): Promise<void> {
    const { call, client } = this.#session;
    try {
      await call(`rename ${from}`, () => client.rename(from, to));
    } catch (error) {
      // The server answers a taken target with a bare "Failure"; look, to say why.
      if (await call(`stat ${to}`, () => client.exists(to))) throw new RemoteFileExistsError(to);
      throw error;
    }
  }

  async #read(path: string): Promise<Uint8Array> {
    const { call, sftp } = this.#session;
    const handle = await call(`open ${path}`, () => raw.open(sftp, path, "r"));
    try {
      const chunks: Uint8Array[] = [];
      let position = 0;
      while (true) {
        const into = Buffer.alloc(CHUNK_BYTES);
        const n = await call(`read ${path}`, () => raw.read(sftp, handle, into, position));
        if (n === 0) break;
        chunks.push(into.subarray(0, n));
        position += n;
      }
      return concat(chunks, position);
    } finally {
      await call(`close ${path}`, () => raw.close(sftp, handle)).catch(() => {});
    }
  }

  async #listFiles(folder: string): Promise<RemoteFile[]> {
    const { call, client } = this.#session;
    const entries = await call(`list ${folder}`, () => client.list(folder));
    return entries
      .filter((entry) => entry.type === "-")
      .map((entry) => ({
        name: entry.name,
        size: entry.size,
        modifiedAt: new Date(entry.modifyTime),
      }));
  }

  #in(name: string): string {
    assertPlainName(name);
    return `${this.#inbound}/${name}`;
  }

  #out(name: string): string {
    assertPlainName(name);
    return `${this.#outbound}/${name}`;
  }
}

// A chunk's requests all sent at once: waiting for each reply in turn would make every
// 32 KiB cost a round trip.
function writePipelined(
  sftp: SFTPWrapper,
  handle: Buffer,
  bytes: Uint8Array,
  start: number,
  end: number,
): Promise<void[]> {
  const requests: Promise<void>[] = [];
  for (let offset = start; offset < end; offset += REQUEST_BYTES) {
    const length = Math.min(REQUEST_BYTES, end - offset);
    const piece = Buffer.from(bytes.buffer, bytes.byteOffset + offset, length);
    requests.push(raw.write(sftp, handle, piece, offset));
  }
  return Promise.all(requests);
}

// ssh2-sftp-client says ENOENT; ssh2 itself gives the SFTP status, 2 (NO_SUCH_FILE).
function isNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === "ENOENT" || code === 2;
}

function concat(chunks: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
