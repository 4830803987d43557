/** The queues page, requeueing dead letters and retrying webhook deliveries. */
import type { Handler } from "hono";
import type { ConsoleEnv } from "./env.ts";
import { noticeText } from "./notices.ts";
import type { ConsoleQueueService } from "./queues.service.ts";
import { renderPage } from "./render.tsx";
import { QueuesPage } from "./views/queues_page.tsx";

const ENTRY_ID = /^[0-9]{1,20}-[0-9]{1,20}$/;

export function queueHandlers(queues: ConsoleQueueService) {
  const page: Handler<ConsoleEnv> = async (c) => {
    const session = c.get("session");
    const [deadLetters, deliveries] = await Promise.all([
      queues.deadLetters(),
      session.scopes.includes("webhooks:read") ? queues.failingDeliveries() : undefined,
    ]);
    return await renderPage(
      c,
      <QueuesPage
        session={session}
        deadLetters={deadLetters}
        deliveries={deliveries}
        notice={noticeText(c.req.query())}
      />,
    );
  };

  const requeue = (all: boolean): Handler<ConsoleEnv> => async (c) => {
    const entryId = all ? null : c.req.param("entryId") ?? "";
    // Not a stream id: nothing to look up (Redis would refuse it as a range bound).
    const outcomes = entryId !== null && !ENTRY_ID.test(entryId)
      ? []
      : await queues.requeue(entryId);
    const done = outcomes.filter((outcome) => outcome.requeued).length;
    const log = c.get("log");
    log.info("console requeued dead letters", {
      api_key: c.get("session").apiKeyName,
      requeued: done,
      skipped: outcomes.length - done,
    });
    return c.redirect(
      `/console/queues?notice=requeued&n=${done}&skipped=${outcomes.length - done}`,
      303,
    );
  };

  const retry: Handler<ConsoleEnv> = async (c) => {
    await queues.retryDelivery(c.req.param("endpointId") ?? "", c.req.param("messageId") ?? "");
    return c.redirect("/console/queues?notice=retried", 303);
  };

  return {
    queues: page,
    requeueDeadLetter: requeue(false),
    requeueAllDeadLetters: requeue(true),
    retryDelivery: retry,
  };
}
