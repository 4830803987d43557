/**
 * The connectors this service has, by name, and what each can pay. The routing rules are
 * checked against this list at start (before any connector is built), and each connector
 * declares itself from its entry here.
 */
import type { ConnectorCapabilities } from "./connector.ts";

/** The zero-setup default: pays anything, records every call in `provider_calls`. */
export const SIMULATED: ConnectorCapabilities = {
  name: "simulated",
  currencies: "*",
  recipientTypes: ["test", "sepa"],
  answersLater: false,
};

/** SEPA credit transfers in pain.001 files over the bank's SFTP drop. */
export const SEPA_FILE: ConnectorCapabilities = {
  name: "sepa_file",
  currencies: ["EUR"],
  recipientTypes: ["sepa"],
  answersLater: true,
};

export const CONNECTOR_CATALOG: readonly ConnectorCapabilities[] = [SIMULATED, SEPA_FILE];
