/**
 * The queue's figures from the ops snapshot, as the overview and the Queues page show
 * them: the stream, the workers' pending entries and lag, dead letters, the outbox and the
 * webhook backlog; a source that did not answer shows `—` and says so.
 */
import type { FC } from "hono/jsx";
import type { DatabaseFigures, StreamFigures } from "../../ops/snapshot.ts";
import { ageOf, countOf } from "./format.ts";

export const Stat: FC<{ label: string; value: string; hint?: string }> = (
  { label, value, hint },
) => (
  <div class="stat">
    <dt>{label}</dt>
    <dd>
      {value}
      {hint && <span class="muted">{hint}</span>}
    </dd>
  </div>
);

interface Sources {
  database: DatabaseFigures | undefined;
  stream: StreamFigures | undefined;
}

/** One alert per source that did not answer. */
export const SourceAlerts: FC<Sources> = ({ database, stream }) => (
  <>
    {!database && (
      <p class="alert" role="alert">Postgres did not answer; its numbers are missing.</p>
    )}
    {!stream && (
      <p class="alert" role="alert">Redis did not answer; the queue numbers are missing.</p>
    )}
  </>
);

export const QueueStats: FC<Sources> = ({ database, stream }) => (
  <dl class="stats">
    <Stat label="stream length" value={countOf(stream?.length)} />
    <Stat label="pending (delivered, not acked)" value={countOf(stream?.group?.pending)} />
    <Stat label="lag (not yet delivered)" value={countOf(stream?.group?.lag)} />
    <Stat label="dead letters" value={countOf(stream?.deadLetters)} />
    <Stat
      label="outbox backlog"
      value={countOf(database?.outbox.count)}
      hint={database?.outbox.count ? ` oldest ${ageOf(database.outbox.oldestAgeMs)}` : undefined}
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
);
