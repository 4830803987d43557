/** One payout: its fields, what this key may do with it, and its audit trail. */
import type { FC } from "hono/jsx";
import type { PayoutFile } from "../../connectors/sepa_file/sepa_files.repository.ts";
import type { Payout, PayoutEvent } from "../../payouts/payout.ts";
import { shownRecipientDetails } from "../../payouts/payouts.presenter.ts";
import type { ShownDeadLetter } from "../dead_letter_lookup.ts";
import type { ConsoleSession } from "../session_tokens.ts";
import { DeadLetterRequeue } from "./dead_letter_requeue.tsx";
import { amountOf, timeOf } from "./format.ts";
import { ConfirmedForm, CsrfField } from "./forms.tsx";
import { Layout } from "./layout.tsx";
import { StatusBadge } from "./status_badge.tsx";

export interface PayoutPageProps {
  session: ConsoleSession;
  payout: Payout;
  events: PayoutEvent[];
  /** The SEPA file the payout's transfer went in; null: none (not a SEPA payout, or not yet). */
  file?: PayoutFile | null;
  /** A failed payout's dead letter; null: none found. */
  deadLetter?: ShownDeadLetter | null;
  notice?: string;
}

const Field: FC<{ label: string; value: string }> = ({ label, value }) => (
  <div class="field-row">
    <dt>{label}</dt>
    <dd>{value}</dd>
  </div>
);

/** What the cancel and reject confirmations ask. */
export function cancelQuestion(payout: Payout): string {
  return `Cancel the payout of ${amountOf(payout)}? It will never be paid; this cannot be undone.`;
}

export function rejectQuestion(payout: Payout): string {
  return `Reject the payout of ${amountOf(payout)}? It will never be paid; this cannot be undone.`;
}

const Actions: FC<{ session: ConsoleSession; payout: Payout }> = ({ session, payout }) => {
  const open = payout.status === "pending" || payout.status === "needs_approval";
  const awaiting = payout.status === "needs_approval";
  const may = (scope: string) => session.scopes.some((held) => held === scope);
  const own = payout.createdByKeyId === session.apiKeyId ||
    payout.updatedByKeyId === session.apiKeyId;
  if (!open) {
    return (
      <p class="muted">
        No actions here: the payout is {payout.status.replace("_", " ")}.
        {payout.status === "failed" && " Requeue it from its dead letter below."}
      </p>
    );
  }
  const base = `/console/payouts/${payout.id}`;
  return (
    <div class="actions-row">
      {awaiting && may("payouts:approve") && !own && (
        <form method="post" action={`${base}/approve`}>
          <CsrfField session={session} />
          <button type="submit">Approve</button>
        </form>
      )}
      {awaiting && may("payouts:approve") && (
        <ConfirmedForm
          session={session}
          action={`${base}/reject`}
          question={rejectQuestion(payout)}
          class="reject"
        >
          <label for="reason">Reason for rejecting (optional)</label>
          <input id="reason" name="reason" maxlength={255} autocomplete="off" />
          <button type="submit" class="danger">Reject</button>
        </ConfirmedForm>
      )}
      {may("payouts:write") && (
        <ConfirmedForm
          session={session}
          action={`${base}/cancel`}
          question={cancelQuestion(payout)}
        >
          <button type="submit" class="danger">Cancel payout</button>
        </ConfirmedForm>
      )}
      {awaiting && own && (
        <p class="muted">
          This key created or last changed the payout: another key must approve it (four eyes).
        </p>
      )}
      {awaiting && !may("payouts:approve") && (
        <p class="muted">Approving needs a key with the payouts:approve scope.</p>
      )}
      {!may("payouts:write") && <p class="muted">Canceling needs the payouts:write scope.</p>}
    </div>
  );
};

/** Where a failed payout's job went, with a requeue button. */
const DeadLetterSection: FC<{ session: ConsoleSession; deadLetter: ShownDeadLetter | null }> = (
  { session, deadLetter },
) => (
  <section aria-labelledby="dead-letter">
    <h2 id="dead-letter">Dead letter</h2>
    {deadLetter
      ? (
        <div class="card">
          <p>
            The workers gave up on its job {timeOf(deadLetter.at)}: {deadLetter.reason || "—"}.{" "}
            <a href={`/console/queues#dead-letter-${deadLetter.id}`}>
              Dead letter <span class="mono">{deadLetter.id}</span> on the Queues page
            </a>
          </p>
          <DeadLetterRequeue session={session} deadLetter={deadLetter} returnTo="payout" />
        </div>
      )
      : (
        <p class="muted">
          No dead letter of this payout is left (requeued, or trimmed from the stream).
        </p>
      )}
  </section>
);

export const PayoutPage: FC<PayoutPageProps> = (
  { session, payout, events, file, deadLetter, notice },
) => (
  <Layout title={`Payout ${amountOf(payout)}`} session={session} section="payouts" notice={notice}>
    <p>
      <a href="/console/payouts">All payouts</a>
    </p>
    <section aria-labelledby="fields" class="card">
      <h2 id="fields">
        Fields <StatusBadge status={payout.status} />
      </h2>
      <dl class="fields">
        <Field label="id" value={payout.id} />
        <Field label="status" value={payout.status} />
        <Field label="amount" value={amountOf(payout)} />
        {Object.entries(shownRecipientDetails(payout)).map(([key, value]) => (
          <Field label={`recipient ${key}`} value={value} />
        ))}
        {payout.recipientId && <Field label="recipient id" value={payout.recipientId} />}
        <Field label="description" value={payout.description || "—"} />
        {payout.failureReason && <Field label="failure reason" value={payout.failureReason} />}
        <Field label="connector" value={payout.connector ?? "not chosen yet"} />
        {file && (
          <Field
            label="bank file"
            value={`${file.name} (MsgId ${file.msgId}, ${
              file.uploadedAt
                ? `uploaded ${timeOf(file.uploadedAt)}`
                : file.status.replace("_", " ")
            })`}
          />
        )}
        {payout.returnReason && <Field label="return reason" value={payout.returnReason} />}
        <Field
          label="scheduled for"
          value={payout.scheduledFor ? timeOf(payout.scheduledFor) : "at once"}
        />
        <Field label="requires approval" value={payout.requiresApproval ? "yes" : "no"} />
        <Field label="approved at" value={timeOf(payout.approvedAt)} />
        <Field label="attempts" value={String(payout.attempts)} />
        <Field label="created" value={timeOf(payout.createdAt)} />
        <Field label="updated" value={timeOf(payout.updatedAt)} />
      </dl>
    </section>
    <section aria-labelledby="actions">
      <h2 id="actions">Actions</h2>
      <Actions session={session} payout={payout} />
    </section>
    {payout.status === "failed" && (
      <DeadLetterSection session={session} deadLetter={deadLetter ?? null} />
    )}
    <section aria-labelledby="timeline">
      <h2 id="timeline">Timeline</h2>
      <ol class="timeline">
        {events.map((event) => (
          <li>
            <p>
              <strong>{event.type.replace("_", " ")}</strong>
              {event.fromStatus || event.toStatus
                ? ` ${event.fromStatus ?? "—"} → ${event.toStatus ?? "—"}`
                : ""}
            </p>
            <p class="muted">
              <time datetime={event.at.toISOString()}>{timeOf(event.at)}</time> by {event.actor}
            </p>
            {Object.keys(event.detail).length > 0 && (
              <pre class="detail">{JSON.stringify(event.detail, null, 2)}</pre>
            )}
          </li>
        ))}
      </ol>
    </section>
  </Layout>
);
