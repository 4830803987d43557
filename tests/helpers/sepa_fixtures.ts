/** Valid SEPA batches for the sepa_file tests, with random ids so files never collide. */

import { checksumIBAN } from "sepa";
import type { SepaFileInput, SepaPaymentInput } from "../../src/connectors/sepa_file/pain001.ts";
import { endToEndIdFor, msgIdFor } from "../../src/connectors/sepa_file/sepa_ids.ts";
import type { SftpServer } from "../../scripts/bank/sftp_server.ts";

/** Our debtor account (the README example IBAN of the sepa package) and its bank's BIC. */
export const DEBTOR = {
  name: "Example Payouts GmbH",
  iban: "DE87123456781234567890",
  bic: "XMPLDEM0XXX",
};

/** A recipient IBAN with a correct check sum for `country` and a random 18-digit BBAN. */
export function randomIban(country = "DE"): string {
  const bban = Array.from({ length: 18 }, () => Math.floor(Math.random() * 10)).join("");
  return checksumIBAN(`${country}00${bban}`);
}

/** One payment to a fresh random payout. */
export function payment(overrides: Partial<SepaPaymentInput> = {}): SepaPaymentInput {
  return {
    endToEndId: endToEndIdFor(crypto.randomUUID()),
    amountMinor: 12_550n,
    name: "Erika Mustermann",
    iban: randomIban(),
    remittanceInfo: "Payout",
    ...overrides,
  };
}

/** A file of `payments` (one default payment if none are given) for a fresh random file id. */
export function sepaFile(
  payments: SepaPaymentInput[] = [payment()],
  overrides: Partial<SepaFileInput> = {},
): SepaFileInput {
  return {
    msgId: msgIdFor(crypto.randomUUID()),
    createdAt: new Date("2026-03-01T23:30:05.123Z"),
    debtor: DEBTOR,
    requestedExecutionDate: "2026-03-02",
    payments,
    ...overrides,
  };
}

/** The environment that points an API or worker process's SEPA rail at `server`. */
export function sepaEnv(
  server: SftpServer,
  options: { keyFile?: string; cutoffMs: number; pollMs: number },
): Record<string, string> {
  return {
    SEPA_SFTP_HOST: server.host,
    SEPA_SFTP_PORT: String(server.port),
    SEPA_SFTP_USER: server.username,
    SEPA_SFTP_KEY_FILE: options.keyFile ?? server.privateKeyFile,
    SEPA_SFTP_HOST_KEY: server.hostKeyFingerprint,
    SEPA_SFTP_INBOUND_DIR: server.inboundDir,
    SEPA_SFTP_OUTBOUND_DIR: server.outboundDir,
    SEPA_DEBTOR_NAME: DEBTOR.name,
    SEPA_DEBTOR_IBAN: DEBTOR.iban,
    SEPA_DEBTOR_BIC: DEBTOR.bic,
    SEPA_CUTOFF_MS: String(options.cutoffMs),
    SEPA_POLL_MS: String(options.pollMs),
  };
}
