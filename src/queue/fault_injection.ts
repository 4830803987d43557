/**
 * Test-only fault injection for the API's job publishing, switched on by `FAULT_INJECT`.
 * Fault tests use it to prove that a payout committed but never enqueued is still processed.
 */
import type { JobPublisher } from "./publisher.ts";

/** The exit code of a process stopped by `exit_before_enqueue`. */
export const FAULT_EXIT_CODE = 86;

/** The API's fault; FAULT_INJECT's other values are the worker's. */
export type Fault = "exit_before_enqueue";

/**
 * Wraps `publisher` so that `fault` happens where it would hurt most. With no fault (or
 * another process's) it returns `publisher` itself. `exit_before_enqueue` exits the process abruptly (no cleanup,
 * like a crash) when the first job (or batch of jobs) is about to be published: its
 * payouts have committed, their XADD never happens.
 */
export function withFaultInjection(publisher: JobPublisher, fault: string): JobPublisher {
  if (fault !== ("exit_before_enqueue" satisfies Fault)) return publisher;
  const exit = (): Promise<void> => Deno.exit(FAULT_EXIT_CODE);
  return { publishCreated: exit, publishCreatedMany: exit };
}
