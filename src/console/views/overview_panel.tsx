/**
 * The live part of the overview: htmx fetches it again every few seconds and swaps it in
 * whole (outerHTML), so the new copy carries on polling.
 */
import type { FC } from "hono/jsx";
import type { Overview } from "../overview.service.ts";
import { PAYOUT_STATUSES } from "../../payouts/payout.ts";
import { ageOf, countOf, timeOf } from "./format.ts";
import { ThroughputChart } from "./throughput_chart.tsx";

export const REFRESH_SECONDS = 5;

const Stat: FC<{ label: string; value: string; hint?: string }> = ({ label, value, hint }) => (
  <div class="stat">
    <dt>{label}</dt>
    <dd>
      {value}
      {hint && <span class="muted">{hint}</span>}
    </dd>
  </div>
);

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
      {!database && (
        <p class="alert" role="alert">Postgres did not answer; its numbers are missing.</p>
      )}
      {!stream && (
        <p class="alert" role="alert">Redis did not answer; the queue numbers are missing.</p>
      )}
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
        <dl class="stats">
          <Stat label="stream length" value={countOf(stream?.length)} />
          <Stat label="pending (delivered, not acked)" value={countOf(stream?.group?.pending)} />
          <Stat label="lag (not yet delivered)" value={countOf(stream?.group?.lag)} />
          <Stat label="dead letters" value={countOf(stream?.deadLetters)} />
          <Stat
            label="outbox backlog"
            value={countOf(database?.outbox.count)}
            hint={database?.outbox.count
              ? ` oldest ${ageOf(database.outbox.oldestAgeMs)}`
              : undefined}
          />
          <Stat
            label="webhook backlog"
            value={countOf(database?.webhooks.pending)}
            hint={database
              ? ` ${countOf(database.webhooks.due)} due; oldest ${
                ageOf(database.webhooks.oldestPendingAgeMs)
              }`
              : undefined}
          />
        </dl>
      </section>
    </div>
  );
};
