/** The console's page frame: skip link, navigation, sign-out, and the one stylesheet. */
import type { Child, FC } from "hono/jsx";
import type { ConsoleSession } from "../session_tokens.ts";

/**
 * htmx under a strict CSP: no inline indicator styles, no eval, no script tags from
 * responses, no snapshots of pages (payout data) in localStorage. Error answers are swapped
 * in too (htmx drops them by default), so a refused action says why where it was asked.
 */
const HTMX_CONFIG = JSON.stringify({
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
  historyCacheSize: 0,
  selfRequestsOnly: true,
  responseHandling: [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "[45]..", swap: true, error: true },
  ],
});

export type Section = "overview" | "payouts" | "queues";

const NAV: { section: Section; href: string; label: string }[] = [
  { section: "overview", href: "/console/", label: "Overview" },
  { section: "payouts", href: "/console/payouts", label: "Payouts" },
  { section: "queues", href: "/console/queues", label: "Queues" },
];

export const Layout: FC<{
  title: string;
  session?: ConsoleSession;
  section?: Section;
  notice?: string;
  children?: Child;
}> = ({ title, session, section, notice, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="htmx-config" content={HTMX_CONFIG} />
      <title>{`${title} · Payout console`}</title>
      <link rel="stylesheet" href="/console/assets/console.css" />
      <script src="/console/assets/htmx.min.js" defer></script>
    </head>
    <body hx-headers={session ? JSON.stringify({ "X-CSRF-Token": session.csrfToken }) : undefined}>
      <a class="skip-link" href="#main">Skip to content</a>
      <header class="top">
        <span class="brand">Payout console</span>
        {session && (
          <nav aria-label="Console">
            <ul>
              {NAV.map((item) => (
                <li>
                  <a href={item.href} aria-current={item.section === section ? "page" : undefined}>
                    {item.label}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        )}
        {session && (
          <form class="sign-out" method="post" action="/console/sign-out">
            <input type="hidden" name="csrf_token" value={session.csrfToken} />
            <span class="who">
              Signed in as <strong>{session.apiKeyName}</strong>
            </span>
            <button type="submit" class="secondary">Sign out</button>
          </form>
        )}
      </header>
      <main id="main" tabindex={-1}>
        <h1>{title}</h1>
        {notice && <p class="notice" role="status">{notice}</p>}
        {children}
      </main>
    </body>
  </html>
);
