/**
 * The queue's figures; dead letters with their reasons and requeue buttons; failing webhook
 * deliveries with their state, attempts and next attempt.
 */
import type { FC } from "hono/jsx";
import type { FailingDelivery } from "../../webhooks/webhook_endpoint.ts";
import type { ShownDeadLetter } from "../dead_letter_lookup.ts";
import type { QueueFigures } from "../queues.service.ts";
import type { ConsoleSession } from "../session_tokens.ts";
import { DataTable } from "./data_table.tsx";
import { DeadLetterRequeue } from "./dead_letter_requeue.tsx";
import { countOf, timeOf } from "./format.ts";
import { ConfirmedForm, CsrfField } from "./forms.tsx";
import { Layout } from "./layout.tsx";
import { QueueStats, SourceAlerts } from "./queue_stats.tsx";
import { StatusBadge } from "./status_badge.tsx";

export interface QueuesPageProps {
  session: ConsoleSession;
  figures: QueueFigures;
  /** The newest dead letters. */
  deadLetters: ShownDeadLetter[];
  /** Undefined when the key may not read webhooks. */
  deliveries: FailingDelivery[] | undefined;
  notice?: string;
}

/** `1 attempt`, `2 attempts`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${countOf(n)} ${n === 1 ? one : many}`;
}

/** What the requeue-all confirmation asks. */
export function requeueAllQuestion(count: number, entries: ShownDeadLetter[]): string {
  const permanent = entries.filter((entry) => entry.permanent).length;
  return `Requeue all ${plural(count, "dead letter")}? Each failed payout goes back to pending ` +
    "for another round of attempts." +
    (permanent > 0
      ? ` ${permanent} of the newest ${entries.length} failed with a permanent provider error ` +
        "and will most likely fail again."
      : "");
}

const DeadLetters: FC<{ session: ConsoleSession; count: number; entries: ShownDeadLetter[] }> = (
  { session, count, entries },
) => {
  const mayRequeue = session.scopes.includes("payouts:write");
  return (
    <section aria-labelledby="dead-letters">
      <h2 id="dead-letters">Dead letters ({countOf(count)})</h2>
      <p class="muted">
        Jobs the workers gave up on. Fix the cause first: requeueing puts a failed payout back to
        pending for another round of attempts (never paid twice).
      </p>
      {mayRequeue && count > 0 && (
        <ConfirmedForm
          session={session}
          action="/console/queues/requeue-dead-letters"
          question={requeueAllQuestion(count, entries)}
        >
          <button type="submit" class="danger">Requeue all {countOf(count)}</button>
        </ConfirmedForm>
      )}
      {!mayRequeue && <p class="muted">Requeueing needs the payouts:write scope.</p>}
      {entries.length === 0
        ? <p>No dead letters.</p>
        : (
          <DataTable label="Dead letters" columns={["Dead-lettered", "Payout", "Reason", "Action"]}>
            {entries.map((entry) => (
              <tr id={`dead-letter-${entry.id}`}>
                <td data-label="Dead-lettered">{timeOf(entry.at)}</td>
                <td data-label="Payout">
                  {entry.payoutId
                    ? (
                      <a class="mono" href={`/console/payouts/${entry.payoutId}`}>
                        {entry.payoutId}
                      </a>
                    )
                    : "—"}
                </td>
                <td data-label="Reason">{entry.reason || "—"}</td>
                <td data-label="Action">
                  {mayRequeue && <DeadLetterRequeue session={session} deadLetter={entry} />}
                </td>
              </tr>
            ))}
          </DataTable>
        )}
    </section>
  );
};

/** `retrying` while attempts are still to come, `failed` once given up on. */
function stateOf(delivery: FailingDelivery): "retrying" | "failed" {
  return delivery.status === "pending" ? "retrying" : "failed";
}

function retryLabel(delivery: FailingDelivery): string {
  return stateOf(delivery) === "retrying" ? "Retry now" : "Retry";
}

const Deliveries: FC<{ session: ConsoleSession; deliveries: FailingDelivery[] }> = (
  { session, deliveries },
) => {
  const mayRetry = session.scopes.includes("webhooks:write");
  if (deliveries.length === 0) return <p>No failing webhook deliveries.</p>;
  return (
    <DataTable
      label="Failing webhook deliveries"
      columns={["Message", "Endpoint", "Status", "Last attempt", "Next attempt", "Action"]}
    >
      {deliveries.map((delivery) => (
        <tr>
          <td data-label="Message">
            <span class="mono">{delivery.messageId}</span>
            <br />
            <span class="muted">{delivery.eventType}</span>
          </td>
          <td class="mono wrap" data-label="Endpoint">{delivery.endpointUrl}</td>
          <td data-label="Status">
            <StatusBadge status={stateOf(delivery)} />
            <br />
            <span class="muted">{plural(delivery.attemptCount, "attempt")}</span>
          </td>
          <td data-label="Last attempt">
            {delivery.lastAttempt
              ? `${timeOf(delivery.lastAttempt.at)}: ${
                delivery.lastAttempt.statusCode ?? delivery.lastAttempt.error ?? "no answer"
              }`
              : "—"}
          </td>
          <td data-label="Next attempt">
            {stateOf(delivery) === "retrying"
              ? timeOf(delivery.nextAttemptAt)
              : <span class="muted">none: given up</span>}
          </td>
          <td data-label="Action">
            {mayRetry && delivery.endpointStatus === "enabled" && (
              <form
                method="post"
                action={`/console/queues/webhook-deliveries/${delivery.endpointId}/${delivery.messageId}/retry`}
              >
                <CsrfField session={session} />
                <button
                  type="submit"
                  class="secondary"
                  aria-label={`${retryLabel(delivery)} ${delivery.messageId}`}
                >
                  {retryLabel(delivery)}
                </button>
              </form>
            )}
            {delivery.endpointStatus === "disabled" && <span class="muted">endpoint disabled</span>}
          </td>
        </tr>
      ))}
    </DataTable>
  );
};

export const QueuesPage: FC<QueuesPageProps> = (
  { session, figures, deadLetters, deliveries, notice },
) => (
  <Layout title="Queues" session={session} section="queues" notice={notice}>
    <SourceAlerts database={figures.database} stream={figures.stream} />
    <section aria-labelledby="queue">
      <h2 id="queue">Queue</h2>
      <p class="muted updated">
        As of <time datetime={figures.at.toISOString()}>{timeOf(figures.at)}</time>.
      </p>
      <QueueStats database={figures.database} stream={figures.stream} />
    </section>
    <DeadLetters
      session={session}
      count={figures.stream?.deadLetters ?? 0}
      entries={deadLetters}
    />
    <section aria-labelledby="deliveries">
      <h2 id="deliveries">Failing webhook deliveries</h2>
      {deliveries === undefined
        ? <p class="muted">Seeing webhook deliveries needs the webhooks:read scope.</p>
        : <Deliveries session={session} deliveries={deliveries} />}
      {deliveries !== undefined && !session.scopes.includes("webhooks:write") && (
        <p class="muted">Retrying needs the webhooks:write scope.</p>
      )}
    </section>
  </Layout>
);
