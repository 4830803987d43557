/**
 * Child process: an open-loop load generator. It POSTs payouts on a fixed schedule
 * (`rate` per second, evenly spaced) whatever the answers do: a request is sent when its
 * time comes, not when an earlier one returns, so a slow service faces the same arrivals
 * as a fast one and its backlog shows up as lag, not as a lower rate. (A closed loop, like
 * wrk's connections, would slow down with the service and hide exactly that.)
 *
 * Protocol: see child_io.ts.
 */
import { childSettings, readyThenWaitForGo, reportThenWaitForDone } from "./child_io.ts";
import { ownTicks } from "./proc_stats.ts";
import { type LatencySummary, summarize } from "./stats.ts";

export interface PacedCreateSettings {
  baseUrl: string;
  apiKey: string;
  body: string;
  /** Requests per second, overall. */
  rate: number;
  total: number;
  /** Requests outstanding at most; beyond it sends wait (and `capped` counts them). */
  maxInFlight: number;
}

export interface PacedCreateResult {
  sent: number;
  created: number;
  non_2xx: number;
  errors: number;
  /** First send to last send. */
  send_seconds: number;
  /** Response time of the POSTs. */
  post: LatencySummary;
  /** How late sends left against their schedule (timer granularity, a busy loop). */
  slip: LatencySummary;
  max_in_flight: number;
  /** Ticks at which due sends had to wait: maxInFlight requests were outstanding. */
  capped: number;
  cpu_ticks: number;
}

const TICK_MS = 2;

if (import.meta.main) {
  const settings = childSettings<PacedCreateSettings>();
  const headers = {
    "Authorization": `Bearer ${settings.apiKey}`,
    "Content-Type": "application/json",
  };
  // Connections and TLS-free keep-alive warm before the clock starts.
  for (let i = 0; i < 8; i++) {
    const response = await fetch(`${settings.baseUrl}/health/`);
    await response.body?.cancel();
  }
  await readyThenWaitForGo();
  const cpuStart = ownTicks();
  const latencies: number[] = [];
  const slips: number[] = [];
  // The result's counters, kept under the names it reports them by.
  const counts = { created: 0, non_2xx: 0, errors: 0, max_in_flight: 0, capped: 0 };
  let inFlight = 0;
  const pending = new Set<Promise<void>>();
  const send = () => {
    const sentAt = performance.now();
    inFlight++;
    counts.max_in_flight = Math.max(counts.max_in_flight, inFlight);
    const request = (async () => {
      try {
        const response = await fetch(`${settings.baseUrl}/api/payouts/`, {
          method: "POST",
          headers,
          body: settings.body,
        });
        await response.body?.cancel();
        if (response.status === 201) counts.created++;
        else counts.non_2xx++;
      } catch {
        counts.errors++;
      } finally {
        latencies.push(performance.now() - sentAt);
        inFlight--;
      }
    })();
    pending.add(request);
    request.then(() => pending.delete(request));
  };
  const interval = 1000 / settings.rate;
  const start = performance.now();
  let sent = 0;
  while (sent < settings.total) {
    const now = performance.now();
    // Every send whose time has come, in order; a late timer sends the backlog at once.
    while (sent < settings.total && start + sent * interval <= now) {
      if (inFlight >= settings.maxInFlight) {
        counts.capped++;
        break;
      }
      slips.push(now - (start + sent * interval));
      send();
      sent++;
    }
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  const sendSeconds = (performance.now() - start) / 1000;
  await Promise.all(pending);
  const result: PacedCreateResult = {
    sent,
    ...counts,
    send_seconds: sendSeconds,
    post: summarize(latencies),
    slip: summarize(slips),
    cpu_ticks: ownTicks() - cpuStart,
  };
  await reportThenWaitForDone(result);
}
