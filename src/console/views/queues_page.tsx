/** Dead letters with their reasons and requeue buttons; failing webhook deliveries. */
import type { FC } from "hono/jsx";
import type { DeadLetter } from "../../queue/dead_letters.ts";
import type { FailingDelivery } from "../../webhooks/webhook_endpoint.ts";
import type { ConsoleSession } from "../session_tokens.ts";
import { DataTable } from "./data_table.tsx";
import { countOf, timeOf } from "./format.ts";
import { Layout } from "./layout.tsx";
import { StatusBadge } from "./status_badge.tsx";

export interface QueuesPageProps {
  session: ConsoleSession;
  deadLetters: { count: number; latest: DeadLetter[] };
  /** Undefined when the key may not read webhooks. */
  deliveries: FailingDelivery[] | undefined;
  notice?: string;
}

const Csrf: FC<{ session: ConsoleSession }> = ({ session }) => (
  <input type="hidden" name="csrf_token" value={session.csrfToken} />
);

const DeadLetters: FC<{ session: ConsoleSession; deadLetters: QueuesPageProps["deadLetters"] }> = (
  { session, deadLetters },
) => {
  const mayRequeue = session.scopes.includes("payouts:write");
  return (
    <section aria-labelledby="dead-letters">
      <h2 id="dead-letters">Dead letters ({countOf(deadLetters.count)})</h2>
      <p class="muted">
        Jobs the workers gave up on. Fix the cause first: requeueing puts a failed payout back to
        pending for another round of attempts (never paid twice).
      </p>
      {mayRequeue && deadLetters.count > 0 && (
        <form method="post" action="/console/queues/requeue-dead-letters">
          <Csrf session={session} />
          <button type="submit">Requeue all {countOf(deadLetters.count)}</button>
        </form>
      )}
      {!mayRequeue && <p class="muted">Requeueing needs the payouts:write scope.</p>}
      {deadLetters.latest.length === 0
        ? <p>No dead letters.</p>
        : (
          <DataTable label="Dead letters" columns={["Dead-lettered", "Payout", "Reason", "Action"]}>
            {deadLetters.latest.map((entry) => (
              <tr>
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
                  {mayRequeue && (
                    <form
                      method="post"
                      action={`/console/queues/dead-letters/${entry.id}/requeue`}
                    >
                      <Csrf session={session} />
                      <button
                        type="submit"
                        class="secondary"
                        aria-label={`Requeue ${entry.payoutId ?? entry.id}`}
                      >
                        Requeue
                      </button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </DataTable>
        )}
    </section>
  );
};

const Deliveries: FC<{ session: ConsoleSession; deliveries: FailingDelivery[] }> = (
  { session, deliveries },
) => {
  const mayRetry = session.scopes.includes("webhooks:write");
  if (deliveries.length === 0) return <p>No failing webhook deliveries.</p>;
  return (
    <DataTable
      label="Failing webhook deliveries"
      columns={["Message", "Endpoint", "Status", "Last attempt", "Action"]}
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
            <StatusBadge status={delivery.status} />
            <br />
            <span class="muted">{`${delivery.attemptCount} attempts`}</span>
          </td>
          <td data-label="Last attempt">
            {delivery.lastAttempt
              ? `${timeOf(delivery.lastAttempt.at)}: ${
                delivery.lastAttempt.statusCode ?? delivery.lastAttempt.error ?? "no answer"
              }`
              : "—"}
          </td>
          <td data-label="Action">
            {mayRetry && delivery.endpointStatus === "enabled" && (
              <form
                method="post"
                action={`/console/queues/webhook-deliveries/${delivery.endpointId}/${delivery.messageId}/retry`}
              >
                <Csrf session={session} />
                <button
                  type="submit"
                  class="secondary"
                  aria-label={`Retry ${delivery.messageId}`}
                >
                  Retry
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

export const QueuesPage: FC<QueuesPageProps> = ({ session, deadLetters, deliveries, notice }) => (
  <Layout title="Queues" session={session} section="queues" notice={notice}>
    <DeadLetters session={session} deadLetters={deadLetters} />
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
