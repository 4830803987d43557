/**
 * The queues page, requeueing dead letters and retrying webhook deliveries. Requeueing all,
 * or one whose payout failed for good, asks first (src/console/confirmation.ts).
 */
import type { Context, Handler } from "hono";
import { isUuid } from "../ids.ts";
import { afterAction, formFields, isConfirmed } from "./confirmation.ts";
import type { ConsoleEnv } from "./env.ts";
import { noticeText } from "./notices.ts";
import { operatorOf } from "./operator.ts";
import type { ConsoleQueueService } from "./queues.service.ts";
import { renderPage } from "./render.tsx";
import { ConfirmPage } from "./views/confirm_page.tsx";
import { requeueQuestion, RETURN_FIELD } from "./views/dead_letter_requeue.tsx";
import { QueuesPage, requeueAllQuestion } from "./views/queues_page.tsx";

const ENTRY_ID = /^[0-9]{1,20}-[0-9]{1,20}$/;
const QUEUES = "/console/queues";

export function queueHandlers(queues: ConsoleQueueService) {
  const page: Handler<ConsoleEnv> = async (c) => {
    const session = c.get("session");
    const [{ figures, deadLetters }, deliveries] = await Promise.all([
      queues.figures(),
      session.scopes.includes("webhooks:read") ? queues.failingDeliveries() : undefined,
    ]);
    return await renderPage(
      c,
      <QueuesPage
        session={session}
        figures={figures}
        deadLetters={deadLetters}
        deliveries={deliveries}
        notice={noticeText(c.req.query())}
      />,
    );
  };

  const confirmPage = (
    c: Context<ConsoleEnv>,
    props: { question: string; action: string; fields?: Record<string, string> },
  ) =>
    renderPage(
      c,
      <ConfirmPage
        session={c.get("session")}
        section="queues"
        title="Requeue dead letters?"
        confirmLabel="Yes, requeue"
        back={{ href: QUEUES, label: "No, back to the queues" }}
        {...props}
      />,
    );

  const requeueAll: Handler<ConsoleEnv> = async (c) => {
    if (!isConfirmed(await formFields(c))) {
      const { figures, deadLetters } = await queues.figures();
      return await confirmPage(c, {
        question: requeueAllQuestion(figures.stream?.deadLetters ?? 0, deadLetters),
        action: `${QUEUES}/requeue-dead-letters`,
      });
    }
    return await requeued(c, await queues.requeue(null, operatorOf(c)), undefined);
  };

  const requeueOne: Handler<ConsoleEnv> = async (c) => {
    const entryId = c.req.param("entryId") ?? "";
    // Not a stream id: nothing to look up (Redis would refuse it as a range bound).
    if (!ENTRY_ID.test(entryId)) return await requeued(c, [], undefined);
    const form = await formFields(c);
    if (!isConfirmed(form)) {
      const entry = await queues.deadLetter(entryId);
      if (entry?.permanent) {
        return await confirmPage(c, {
          question: requeueQuestion(entry),
          action: `${QUEUES}/dead-letters/${entryId}/requeue`,
          fields: form[RETURN_FIELD] ? { [RETURN_FIELD]: form[RETURN_FIELD] } : {},
        });
      }
    }
    return await requeued(c, await queues.requeue(entryId, operatorOf(c)), form[RETURN_FIELD]);
  };

  const requeued = (
    c: Context<ConsoleEnv>,
    outcomes: Awaited<ReturnType<ConsoleQueueService["requeue"]>>,
    returnTo: string | undefined,
  ) => {
    const done = outcomes.filter((outcome) => outcome.requeued).length;
    c.get("log").info("console requeued dead letters", {
      api_key: c.get("session").apiKeyName,
      requeued: done,
      skipped: outcomes.length - done,
    });
    const notice = `notice=requeued&n=${done}&skipped=${outcomes.length - done}`;
    // Back to the payout's page when asked from there (an id, never a URL from the form).
    const payoutId = outcomes[0]?.payoutId;
    const back = returnTo === "payout" && payoutId && isUuid(payoutId)
      ? `/console/payouts/${payoutId}`
      : QUEUES;
    return afterAction(c, `${back}?${notice}`);
  };

  const retry: Handler<ConsoleEnv> = async (c) => {
    await queues.retryDelivery(c.req.param("endpointId") ?? "", c.req.param("messageId") ?? "");
    return c.redirect(`${QUEUES}?notice=retried`, 303);
  };

  return {
    queues: page,
    requeueDeadLetter: requeueOne,
    requeueAllDeadLetters: requeueAll,
    retryDelivery: retry,
  };
}
