/** The payout pages and the actions on one payout; each action answers 303 back to a page. */
import type { Context, Handler } from "hono";
import { type FieldError, ValidationError } from "../errors.ts";
import { isUuid } from "../ids.ts";
import type { ConsoleEnv } from "./env.ts";
import { filterFormOf, parseFilter } from "./payout_filters.ts";
import { noticeText } from "./notices.ts";
import type { Operator } from "./operator.ts";
import type { ConsolePayoutService } from "./payouts.service.ts";
import { renderPage } from "./render.tsx";
import { PayoutPage } from "./views/payout_page.tsx";
import { PayoutsPage, type PayoutsPageProps } from "./views/payouts_page.tsx";

/** What a list page shows beyond the session and the filter form. */
type ListContent = Omit<PayoutsPageProps, "session" | "form">;

function operatorOf(c: Context<ConsoleEnv>): Operator {
  const session = c.get("session");
  return { apiKeyId: session.apiKeyId, apiKeyName: session.apiKeyName };
}

/** At most 255 code points, control characters (NUL included) as spaces. */
function cleanReason(text: string): string {
  // deno-lint-ignore no-control-regex
  return Array.from(text.replace(/[\u0000-\u001f\u007f]/g, " ")).slice(0, 255).join("");
}

export function payoutHandlers(payouts: ConsolePayoutService) {
  const list: Handler<ConsoleEnv> = async (c) => {
    const query = c.req.query();
    const form = filterFormOf(query);
    const answer = (page: ListContent, status: 200 | 400 = 200) =>
      renderPage(c, <PayoutsPage session={c.get("session")} form={form} {...page} />, status);
    const refuse = (errors: FieldError[]) => answer({ payouts: [], nextCursor: null, errors }, 400);
    const id = query.id?.trim();
    if (id) {
      if (isUuid(id)) return c.redirect(`/console/payouts/${id.toLowerCase()}`, 303);
      return await refuse([{ path: "id", message: "is not a payout id (a UUID)" }]);
    }
    try {
      const page = await payouts.list(parseFilter(form, query.cursor));
      return await answer({ ...page, notice: noticeText(query) });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return await refuse(error.errors);
    }
  };

  const show: Handler<ConsoleEnv> = async (c) => {
    const { payout, events, file } = await payouts.get(c.req.param("id") ?? "");
    return await renderPage(
      c,
      <PayoutPage
        session={c.get("session")}
        payout={payout}
        events={events}
        file={file}
        notice={noticeText(c.req.query())}
      />,
    );
  };

  const cancel: Handler<ConsoleEnv> = async (c) => {
    await payouts.cancel(c.req.param("id") ?? "", operatorOf(c));
    // A canceled payout is gone from the console as from the API: back to the list.
    return c.redirect("/console/payouts?notice=canceled", 303);
  };

  const approve: Handler<ConsoleEnv> = async (c) => {
    const payout = await payouts.approve(c.req.param("id") ?? "", operatorOf(c));
    return c.redirect(`/console/payouts/${payout.id}?notice=approved`, 303);
  };

  const reject: Handler<ConsoleEnv> = async (c) => {
    const form = await c.req.parseBody();
    const reason = typeof form.reason === "string" ? cleanReason(form.reason) : undefined;
    const payout = await payouts.reject(c.req.param("id") ?? "", reason, operatorOf(c));
    return c.redirect(`/console/payouts/${payout.id}?notice=rejected`, 303);
  };

  return {
    payouts: list,
    payout: show,
    cancelPayout: cancel,
    approvePayout: approve,
    rejectPayout: reject,
  };
}
