/** The maintenance chore that deletes `deno task webhooks listen` endpoints left by a kill. */
import type { Db } from "../db/types.ts";
import type { Logger } from "../log.ts";
import { deleteListenerEndpoints } from "./listener_endpoints.repository.ts";

/**
 * How long after its lease ended a listener's endpoint is deleted. Its lease ending stops
 * every new message at once; the wait lets a payout statement that saw the lease still
 * running (milliseconds before) commit its message first, so it never fails on the delete.
 */
export const LISTENER_DELETE_AFTER_MS = 60_000;

/**
 * Deletes the endpoints (with their messages) of listeners that stopped renewing their lease,
 * a CLI killed with SIGKILL or a machine that slept, one info line each. Any number of
 * workers may run it at once.
 */
export async function deleteExpiredListenersTask(
  sql: Db,
  log: Logger,
  endedForMs = LISTENER_DELETE_AFTER_MS,
): Promise<string[]> {
  const deleted = await deleteListenerEndpoints(sql, { endedForMs });
  for (const id of deleted) {
    log.info("deleted the endpoint of a webhook listener whose lease ended", { endpoint_id: id });
  }
  return deleted;
}
