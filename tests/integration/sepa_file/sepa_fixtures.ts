/** Shared set-up for the SEPA file rail tests: a real sshd, a drop config for it, files. */
import type postgres from "postgres";
import type { SftpDropConfig } from "../../../src/connectors/sepa_file/sftp_drop.ts";
import type { NewSepaFile } from "../../../src/connectors/sepa_file/sepa_files.repository.ts";
import { type SftpServer, startSftpServer } from "../../../scripts/bank/sftp_server.ts";

/** Short bounds, so outage tests end quickly; generous enough for a loaded CI machine. */
export const TIMEOUTS = { connectTimeoutMs: 3_000, operationTimeoutMs: 3_000 };

/** How the client reaches `server`, with the host key pinned. */
export function dropConfig(server: SftpServer, overrides: Partial<SftpDropConfig> = {}) {
  return {
    host: server.host,
    port: server.port,
    username: server.username,
    privateKey: server.privateKey,
    hostKeyFingerprint: server.hostKeyFingerprint,
    inboundDir: server.inboundDir,
    outboundDir: server.outboundDir,
    ...TIMEOUTS,
    ...overrides,
  } satisfies SftpDropConfig;
}

/** Runs `fn` with a fresh sshd, stopped and removed afterwards whatever happened. */
export async function withSftpServer(fn: (server: SftpServer) => Promise<void>): Promise<void> {
  const server = await startSftpServer();
  try {
    await fn(server);
  } catch (error) {
    // sshd's own log says why a login or a request failed.
    console.error(`sshd output:\n${server.output().slice(-3000)}`);
    throw error;
  } finally {
    await server.stop();
  }
}

/** A random, valid file as the builder would hand it over; `size` pads the XML. */
export function newSepaFile(size = 2_000): NewSepaFile {
  const id = crypto.randomUUID().replaceAll("-", "").slice(0, 20);
  const head = `<?xml version="1.0" encoding="UTF-8"?>\n<Document><GrpHdr><MsgId>${id}</MsgId>`;
  const tail = "</GrpHdr></Document>\n";
  const padding = "<!-- ".concat(
    "é".repeat(Math.max(0, (size - head.length - tail.length) / 2 - 10)),
    " -->",
  );
  return {
    name: `PAIN001-${id}.xml`,
    msgId: id,
    xml: head + padding + tail,
    paymentsCount: 3,
    ctrlSum: "1250.40",
  };
}

/** Makes the file's lease run out now, as if its uploader had hung for the whole lease. */
export async function expireLease(sql: postgres.Sql, id: string): Promise<void> {
  await sql`
    update sepa_files set lease_until = clock_timestamp() - interval '1 second'
    where id = ${id} and status = 'uploading'
  `;
}

/** Local path of what the bank received as inbound `name`. */
export function inboundPath(server: SftpServer, name: string): string {
  return `${server.root}/inbound/${name}`;
}

/** The names in the bank's inbound folder, sorted. */
export function inboundNames(server: SftpServer): string[] {
  return [...Deno.readDirSync(`${server.root}/inbound`)].map((entry) => entry.name).sort();
}
