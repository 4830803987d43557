/**
 * One SFTP connection (ssh2-sftp-client over ssh2) whose every request is bounded in time:
 * the host key is checked against a pinned fingerprint, SSH keepalives notice a silent
 * server, and a request that overruns its timeout tears the connection down, so a frozen
 * server makes calls fail instead of hang. sftp_drop.ts builds the bank's drop on it.
 *
 * @module
 */
// @ts-types="@types/ssh2-sftp-client"
import SftpClient from "ssh2-sftp-client";
import type { SFTPWrapper } from "ssh2";
import { Buffer } from "node:buffer";
import { TimeoutError, withTimeout } from "../../runtime/with_timeout.ts";
import { HostKeyMismatchError } from "./bank_drop.ts";
import { fingerprintMatches, hostKeyFingerprint } from "./host_key.ts";

/** Where the bank's SFTP server is and how to log in. */
export interface SftpConnectConfig {
  host: string;
  port: number;
  username: string;
  /** OpenSSH or PEM private key (ed25519, ECDSA or RSA). */
  privateKey?: string;
  passphrase?: string;
  password?: string;
  /**
   * The server's host key as `ssh-keygen -l -E sha256` prints it (`SHA256:…`). A server
   * showing another key is refused. Without it any key is accepted: tests only.
   */
  hostKeyFingerprint?: string;
  /** Bound on connecting and logging in (default 10 s). */
  connectTimeoutMs?: number;
  /** Bound on each request to the server (default 15 s). */
  operationTimeoutMs?: number;
}

/** A connected session: the raw SFTP channel plus bounded calls over it. */
export interface SftpSession {
  client: SftpClient;
  sftp: SFTPWrapper;
  /**
   * Runs one request under the operation timeout. After a timeout the connection is torn
   * down and every later call fails at once: the server's state is unknown mid-request.
   */
  call<T>(what: string, request: () => Promise<T>): Promise<T>;
  /** Ends the connection (politely, else by force); safe to call twice. */
  close(): Promise<void>;
}

// What the ssh2-sftp-client object holds but its type does not declare.
interface WithSshClient {
  client: { destroy(): void; once(event: "close", listener: () => void): void };
}

/** Connects and logs in, or throws within `connectTimeoutMs`. */
export async function connectSftp(config: SftpConnectConfig): Promise<SftpSession> {
  const connectTimeoutMs = config.connectTimeoutMs ?? 10_000;
  const operationTimeoutMs = config.operationTimeoutMs ?? 15_000;
  // The library's default callbacks print to the console; failures reach us as rejections.
  const client = new SftpClient("bank-drop", { error: () => {}, end: () => {}, close: () => {} });
  const ssh = (client as unknown as WithSshClient).client;
  let offered: string | undefined;
  let broken: Error | undefined;
  let closed = false;

  const destroy = async () => {
    closed = true;
    const gone = new Promise<void>((resolve) => ssh.once("close", resolve));
    ssh.destroy();
    // Let the socket finish closing, so no handle outlives the session.
    await withTimeout(gone, 1_000, "closing the SSH socket").catch(() => {});
  };

  let sftp: SFTPWrapper;
  try {
    sftp = await withTimeout(
      client.connect({
        host: config.host,
        port: config.port,
        username: config.username,
        privateKey: config.privateKey,
        passphrase: config.passphrase,
        password: config.password,
        readyTimeout: connectTimeoutMs,
        // A server that stops answering is noticed even between our requests.
        keepaliveInterval: Math.max(1_000, Math.floor(operationTimeoutMs / 3)),
        keepaliveCountMax: 3,
        hostVerifier: (key: Buffer) => {
          offered = hostKeyFingerprint(key);
          return config.hostKeyFingerprint === undefined ||
            fingerprintMatches(config.hostKeyFingerprint, offered);
        },
      }),
      // ssh2's readyTimeout covers the handshake; this also covers opening the channel.
      connectTimeoutMs + 1_000,
      `connecting to sftp://${config.host}:${config.port}`,
    );
  } catch (error) {
    await destroy();
    if (
      config.hostKeyFingerprint !== undefined && offered !== undefined &&
      !fingerprintMatches(config.hostKeyFingerprint, offered)
    ) {
      throw new HostKeyMismatchError(config.hostKeyFingerprint, offered);
    }
    throw error;
  }

  return {
    client,
    sftp,
    async call<T>(what: string, request: () => Promise<T>): Promise<T> {
      if (broken) throw new Error(`sftp ${what}: session unusable after ${broken.message}`);
      if (closed) throw new Error(`sftp ${what}: session closed`);
      try {
        return await withTimeout(request(), operationTimeoutMs, `sftp ${what}`);
      } catch (error) {
        if (error instanceof TimeoutError) {
          broken = error;
          await destroy();
        }
        throw error;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      if (broken) return;
      try {
        await withTimeout(client.end(), operationTimeoutMs, "ending the sftp session");
      } catch {
        await destroy();
      }
    },
  };
}

/** ssh2's callback calls as promises, for use inside {@linkcode SftpSession.call}. */
export const raw = {
  open(sftp: SFTPWrapper, path: string, flags: "r" | "w"): Promise<Buffer> {
    return new Promise((resolve, reject) =>
      sftp.open(path, flags, (err, handle) => err ? reject(err) : resolve(handle))
    );
  },
  write(sftp: SFTPWrapper, handle: Buffer, chunk: Buffer, position: number): Promise<void> {
    return new Promise((resolve, reject) =>
      sftp.write(handle, chunk, 0, chunk.length, position, (err) => err ? reject(err) : resolve())
    );
  },
  read(sftp: SFTPWrapper, handle: Buffer, into: Buffer, position: number): Promise<number> {
    return new Promise((resolve, reject) =>
      sftp.read(handle, into, 0, into.length, position, (err, n) => err ? reject(err) : resolve(n))
    );
  },
  fsync(sftp: SFTPWrapper, handle: Buffer): Promise<void> {
    return new Promise((resolve, reject) =>
      sftp.ext_openssh_fsync(handle, (err) => err ? reject(err) : resolve())
    );
  },
  close(sftp: SFTPWrapper, handle: Buffer): Promise<void> {
    return new Promise((resolve, reject) =>
      sftp.close(handle, (err) => err ? reject(err) : resolve())
    );
  },
};
