/**
 * The requeue button of one dead letter, on the Queues page and on its payout's page. A
 * payout that failed with a permanent provider error is warned about and asks first.
 */
import type { FC } from "hono/jsx";
import type { ShownDeadLetter } from "../dead_letter_lookup.ts";
import type { ConsoleSession } from "../session_tokens.ts";
import { ConfirmedForm, CsrfField } from "./forms.tsx";

/** Where a requeue from a payout's page goes back to (a hidden field of its form). */
export const RETURN_FIELD = "return_to";

export const PERMANENT_WARNING =
  "Failed with a permanent provider error: a requeue will most likely fail again.";

export function requeueQuestion(deadLetter: ShownDeadLetter): string {
  return `The payout failed with a permanent provider error (${
    deadLetter.reason || "no reason given"
  }): a requeue will most likely fail again unless the provider's answer changed. Requeue it anyway?`;
}

export const DeadLetterRequeue: FC<{
  session: ConsoleSession;
  deadLetter: ShownDeadLetter;
  returnTo?: "payout";
}> = ({ session, deadLetter, returnTo }) => {
  if (!session.scopes.includes("payouts:write")) {
    return <p class="muted">Requeueing needs the payouts:write scope.</p>;
  }
  const action = `/console/queues/dead-letters/${deadLetter.id}/requeue`;
  const fields = (
    <>
      {returnTo && <input type="hidden" name={RETURN_FIELD} value={returnTo} />}
      <button
        type="submit"
        class={deadLetter.permanent ? "danger" : "secondary"}
        aria-label={`Requeue ${deadLetter.payoutId ?? deadLetter.id}`}
      >
        Requeue
      </button>
    </>
  );
  if (!deadLetter.permanent) {
    return (
      <form method="post" action={action}>
        <CsrfField session={session} />
        {fields}
      </form>
    );
  }
  return (
    <div class="permanent">
      <p class="warning">{PERMANENT_WARNING}</p>
      <ConfirmedForm session={session} action={action} question={requeueQuestion(deadLetter)}>
        {fields}
      </ConfirmedForm>
    </div>
  );
};
