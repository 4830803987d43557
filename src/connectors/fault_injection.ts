/**
 * Test-only fault injection for the worker's connector calls, switched on by `FAULT_INJECT`.
 * Fault tests use it to prove that a worker dying between a connector's answer and the
 * record of it neither pays twice nor loses the payout.
 */
import type { Connector, ConnectorResult, PaymentOrder } from "./connector.ts";

/** The exit code of a worker stopped by `exit_after_connector_call` (the API's is the same). */
export const FAULT_EXIT_CODE = 86;

/** What `pause_after_connector_call` prints (stderr) once it holds still. */
export const PAUSED_MESSAGE = "paused after a connector call";

export type ConnectorFault = "exit_after_connector_call" | "pause_after_connector_call";

/**
 * Wraps `connector` so that `fault` happens right after it answered, before anything is
 * recorded: `exit_after_connector_call` exits the process abruptly (no cleanup, like a crash);
 * `pause_after_connector_call` holds the call still for ever (for a test to SIGKILL the
 * process). Any other value (no fault, or the API's) returns `connector` itself.
 */
export function withConnectorFault(connector: Connector, fault: string): Connector {
  if (fault !== "exit_after_connector_call" && fault !== "pause_after_connector_call") {
    return connector;
  }
  return {
    name: connector.name,
    currencies: connector.currencies,
    recipientTypes: connector.recipientTypes,
    answersLater: connector.answersLater,
    wasPaid: (payoutId) => connector.wasPaid(payoutId),
    async pay(order: PaymentOrder): Promise<ConnectorResult> {
      await connector.pay(order);
      if (fault === "exit_after_connector_call") Deno.exit(FAULT_EXIT_CODE);
      console.error(PAUSED_MESSAGE);
      // A timer keeps the process alive: a bare pending promise would let Deno exit.
      setInterval(() => {}, 60_000);
      return await new Promise<never>(() => {});
    },
  };
}
