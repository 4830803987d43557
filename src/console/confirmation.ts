/**
 * Confirming destructive actions (cancel, reject, requeue all, requeueing a payout that
 * failed for good). The form asks twice and works without script:
 * - with htmx, `hx-confirm` asks in a dialog and the request carries `confirmed=yes`
 *   (`hx-vals`); the answer is `HX-Redirect`, a real navigation to the next page;
 * - without it, the plain POST lacks the field, and the server answers a page that says
 *   what will happen, with a form that posts again with `confirmed=yes`.
 * The server decides, so no client can skip the question by leaving out a script.
 */
import type { Context } from "hono";
import { isHtmx } from "./auth.ts";
import type { ConsoleEnv } from "./env.ts";

export const CONFIRM_FIELD = "confirmed";
export const CONFIRMED = "yes";

/** The form's fields as sent (the CSRF guard has parsed them already). */
export async function formFields(c: Context<ConsoleEnv>): Promise<Record<string, string>> {
  const form = await c.req.parseBody();
  return Object.fromEntries(
    Object.entries(form).flatMap(([name, value]) =>
      typeof value === "string" ? [[name, value]] : []
    ),
  );
}

/** Whether the operator confirmed the action. */
export function isConfirmed(form: Record<string, string>): boolean {
  return form[CONFIRM_FIELD] === CONFIRMED;
}

/** After an action: 303 to `location`, or for htmx a 204 whose HX-Redirect goes there. */
export function afterAction(c: Context<ConsoleEnv>, location: string): Response {
  if (!isHtmx(c)) return c.redirect(location, 303);
  return c.body(null, 204, { "HX-Redirect": location });
}
