/** The payout pages and the actions on one payout; each action answers 303 back to a page. */
import type { Context, Handler } from "hono";
import { type FieldError, ValidationError } from "../errors.ts";
import { isUuid } from "../ids.ts";
import type { Payout } from "../payouts/payout.ts";
import { afterAction, formFields, isConfirmed } from "./confirmation.ts";
import type { ConsoleEnv } from "./env.ts";
import { filterFormOf, parseFilter } from "./payout_filters.ts";
import { noticeText } from "./notices.ts";
import { operatorOf } from "./operator.ts";
import type { ConsolePayoutService } from "./payouts.service.ts";
import { renderPage } from "./render.tsx";
import { ConfirmPage } from "./views/confirm_page.tsx";
import { cancelQuestion, PayoutPage, rejectQuestion } from "./views/payout_page.tsx";
import { PayoutsPage, type PayoutsPageProps } from "./views/payouts_page.tsx";

/** What a list page shows beyond the session and the filter form. */
type ListContent = Omit<PayoutsPageProps, "session" | "form" | "openId">;

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
      renderPage(
        c,
        <PayoutsPage session={c.get("session")} form={form} openId={query.id ?? ""} {...page} />,
        status,
      );
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
    const detail = await payouts.get(c.req.param("id") ?? "");
    return await renderPage(
      c,
      <PayoutPage session={c.get("session")} {...detail} notice={noticeText(c.req.query())} />,
    );
  };

  /** The page that asks before a cancel or reject posted without `confirmed=yes`. */
  const confirmPage = async (
    c: Context<ConsoleEnv>,
    what: { title: string; question: (payout: Payout) => string; action: string; label: string },
    fields: Record<string, string> = {},
  ) => {
    const { payout } = await payouts.get(c.req.param("id") ?? "");
    return await renderPage(
      c,
      <ConfirmPage
        session={c.get("session")}
        section="payouts"
        title={what.title}
        question={what.question(payout)}
        action={`/console/payouts/${payout.id}/${what.action}`}
        fields={fields}
        confirmLabel={what.label}
        back={{ href: `/console/payouts/${payout.id}`, label: "No, keep it" }}
      />,
    );
  };

  const cancel: Handler<ConsoleEnv> = async (c) => {
    if (!isConfirmed(await formFields(c))) {
      return await confirmPage(c, {
        title: "Cancel this payout?",
        question: cancelQuestion,
        action: "cancel",
        label: "Yes, cancel it",
      });
    }
    await payouts.cancel(c.req.param("id") ?? "", operatorOf(c));
    // A canceled payout is gone from the console as from the API: back to the list.
    return afterAction(c, "/console/payouts?notice=canceled");
  };

  const approve: Handler<ConsoleEnv> = async (c) => {
    const payout = await payouts.approve(c.req.param("id") ?? "", operatorOf(c));
    return c.redirect(`/console/payouts/${payout.id}?notice=approved`, 303);
  };

  const reject: Handler<ConsoleEnv> = async (c) => {
    const form = await formFields(c);
    const reason = form.reason === undefined ? undefined : cleanReason(form.reason);
    if (!isConfirmed(form)) {
      return await confirmPage(c, {
        title: "Reject this payout?",
        question: rejectQuestion,
        action: "reject",
        label: "Yes, reject it",
      }, reason ? { reason } : {});
    }
    const payout = await payouts.reject(c.req.param("id") ?? "", reason, operatorOf(c));
    return afterAction(c, `/console/payouts/${payout.id}?notice=rejected`);
  };

  return {
    payouts: list,
    payout: show,
    cancelPayout: cancel,
    approvePayout: approve,
    rejectPayout: reject,
  };
}
