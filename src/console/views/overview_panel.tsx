/**
 * The live part of the overview: htmx fetches it again every few seconds and swaps it in
 * whole (outerHTML), so the new copy carries on polling.
 */
import type { FC } from "hono/jsx";
import type { Overview } from "../overview.service.ts";
import { PAYOUT_STATUSES } from "../../payouts/payout.ts";
import { countOf, timeOf } from "./format.ts";
import { QueueStats, SourceAlerts, Stat } from "./queue_stats.tsx";
import { ThroughputChart } from "./throughput_chart.tsx";

export const REFRESH_SECONDS = 5;

export const OverviewPanel: FC<{ overview: Overview }> = ({ overview }) => {
  const { database, stream } = overview;
  return (
    <div
      id="overview"
      hx-get="/console/fragments/overview"
      hx-trigger={`every ${REFRESH_SECONDS}s`}
      hx-swap="outerHTML"
    >
      <p class="muted updated">
        Updated <time datetime={overview.at.toISOString()}>{timeOf(overview.at)}</time>
        {`; refreshed every ${REFRESH_SECONDS} s.`}
      </p>
      <SourceAlerts database={database} stream={stream} />
      <section aria-labelledby="by-status">
        <h2 id="by-status">Payouts by status</h2>
        <dl class="stats">
          {[...PAYOUT_STATUSES, "canceled" as const].map((status) => (
            <Stat
              label={status.replace("_", " ")}
              value={database ? countOf(database.payoutsByStatus[status] ?? 0) : "—"}
            />
          ))}
        </dl>
      </section>
      <section aria-labelledby="throughput">
        <h2 id="throughput">Created and completed per minute</h2>
        {database ? <ThroughputChart perMinute={database.perMinute} /> : <p>—</p>}
      </section>
      <section aria-labelledby="queue">
        <h2 id="queue">Queue</h2>
        <QueueStats database={database} stream={stream} />
      </section>
    </div>
  );
};
