/**
 * The listener's endpoint row over the CLI's life: subscribed with a lease, renewed every
 * few seconds, and removed on exit. A CLI killed with SIGKILL stops renewing: its endpoint
 * gets no message once the lease ends, and the workers delete it a minute later.
 */
import type { Db } from "../../src/db/types.ts";
import { sleep } from "../../src/runtime/sleep.ts";
import {
  deleteListenerEndpoints,
  endListenerLease,
  insertListenerEndpoint,
  renewListenerLease,
} from "../../src/webhooks/listener_endpoints.repository.ts";

export const LEASE_MS = 30_000;
export const RENEW_EVERY_MS = 5_000;
/** Lets a payout statement that saw the lease running commit its message before the delete. */
const DELETE_GRACE_MS = 300;
const DELETE_TRIES = 10;

export class ListenerLease {
  private readonly stopping = new AbortController();
  private renewing: Promise<void> | undefined;

  private constructor(private readonly sql: Db, readonly endpointId: string) {}

  static async subscribe(
    sql: Db,
    draft: { url: string; events: string[]; secret: string },
  ): Promise<ListenerLease> {
    const id = await insertListenerEndpoint(sql, { ...draft, leaseMs: LEASE_MS });
    return new ListenerLease(sql, id);
  }

  /**
   * Renews the lease until stop(); `onLost` runs if it ended anyway (the endpoint may be
   * gone), `onError` for each renewal that failed (Postgres down: the lease may run out).
   */
  keepAlive(onLost: () => void, onError: (error: unknown) => void): void {
    const signal = this.stopping.signal;
    this.renewing ??= (async () => {
      while (!signal.aborted) {
        await sleep(RENEW_EVERY_MS, signal);
        if (signal.aborted) return;
        try {
          if (!await renewListenerLease(this.sql, this.endpointId, LEASE_MS)) return onLost();
        } catch (error) {
          onError(error);
        }
      }
    })();
  }

  /**
   * Stops renewing, ends the lease (nothing more is written for the endpoint), then deletes
   * the endpoint with its messages, trying again while a writer that saw it still holds it.
   * Returns whether the row is gone.
   */
  async remove(): Promise<boolean> {
    this.stopping.abort();
    await this.renewing;
    await endListenerLease(this.sql, this.endpointId);
    for (let attempt = 0; attempt < DELETE_TRIES; attempt++) {
      await sleep(DELETE_GRACE_MS);
      try {
        // None deleted: it was gone already (deleted by the workers after a long pause).
        await deleteListenerEndpoints(this.sql, { id: this.endpointId });
        return true;
      } catch (error) {
        // A message or attempt written meanwhile: its writer committed, so try again.
        if ((error as { code?: string }).code !== "23503") throw error;
      }
    }
    return false;
  }
}
