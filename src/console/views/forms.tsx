/** The console's POST forms: the CSRF field, and forms that ask before they act. */
import type { Child, FC } from "hono/jsx";
import { CONFIRM_FIELD, CONFIRMED } from "../confirmation.ts";
import type { ConsoleSession } from "../session_tokens.ts";

export const CsrfField: FC<{ session: ConsoleSession }> = ({ session }) => (
  <input type="hidden" name="csrf_token" value={session.csrfToken} />
);

/**
 * A plain POST form that htmx, once loaded, sends itself after a confirm dialog with
 * `question`; an error answer replaces the form (so it is seen where the operator clicked).
 * Without script, the server asks on a page of its own (src/console/confirmation.ts).
 */
export const ConfirmedForm: FC<{
  session: ConsoleSession;
  action: string;
  question: string;
  class?: string;
  children?: Child;
}> = ({ session, action, question, children, ...rest }) => (
  <form
    method="post"
    action={action}
    class={rest.class}
    hx-post={action}
    hx-confirm={question}
    hx-vals={JSON.stringify({ [CONFIRM_FIELD]: CONFIRMED })}
    hx-target="this"
    hx-swap="outerHTML"
  >
    <CsrfField session={session} />
    {children}
  </form>
);
