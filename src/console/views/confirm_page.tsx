/**
 * "Are you sure?" as a page, for a destructive action posted without script: what will
 * happen, an optional warning, and the same form again with `confirmed=yes`.
 */
import type { FC } from "hono/jsx";
import { CONFIRM_FIELD, CONFIRMED } from "../confirmation.ts";
import type { ConsoleSession } from "../session_tokens.ts";
import { CsrfField } from "./forms.tsx";
import { Layout, type Section } from "./layout.tsx";

export interface ConfirmPageProps {
  session: ConsoleSession;
  section: Section;
  title: string;
  /** What the action does, in a sentence. */
  question: string;
  warning?: string;
  /** Where the confirmed form posts. */
  action: string;
  /** Fields the first post carried that the confirmed one must carry again. */
  fields?: Record<string, string>;
  confirmLabel: string;
  back: { href: string; label: string };
}

export const ConfirmPage: FC<ConfirmPageProps> = (props) => (
  <Layout title={props.title} session={props.session} section={props.section}>
    <section class="card confirm" aria-labelledby="confirm-question">
      <h2 id="confirm-question">{props.question}</h2>
      {props.warning && <p class="alert" role="alert">{props.warning}</p>}
      <form method="post" action={props.action} class="actions-row">
        <CsrfField session={props.session} />
        {Object.entries(props.fields ?? {}).map(([name, value]) => (
          <input type="hidden" name={name} value={value} />
        ))}
        <input type="hidden" name={CONFIRM_FIELD} value={CONFIRMED} />
        <button type="submit" class="danger">{props.confirmLabel}</button>
        <a href={props.back.href}>{props.back.label}</a>
      </form>
    </section>
  </Layout>
);
