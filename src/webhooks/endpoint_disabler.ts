/** The maintenance chore that turns off endpoints that have failed for too long. */
import type { Db } from "../db/types.ts";
import type { Logger } from "../log.ts";
import { type DisabledEndpoint, disableFailingEndpoints } from "./dispatch.repository.ts";

/**
 * Disables endpoints whose every attempt failed for longer than `disableAfterMs` and logs
 * one warning per endpoint, the event operators and the endpoint's owner look for. Any
 * number of workers may run it at once: each endpoint is disabled (and logged) once.
 */
export async function disableFailingEndpointsTask(
  sql: Db,
  log: Logger,
  disableAfterMs: number,
): Promise<DisabledEndpoint[]> {
  const disabled = await disableFailingEndpoints(sql, disableAfterMs);
  for (const endpoint of disabled) {
    log.warn("webhook endpoint disabled: every delivery failed for too long", {
      endpoint_id: endpoint.id,
      // The host only: query strings of webhook URLs often carry tokens.
      host: new URL(endpoint.url).host,
      failing_since: endpoint.failingSince.toISOString(),
      disable_after_ms: disableAfterMs,
    });
  }
  return disabled;
}
