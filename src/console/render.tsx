/** Sending console pages and fragments, and the plain error page (never problem+json). */
import type { Context } from "hono";
import type { Child } from "hono/jsx";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ConsoleSession } from "./session_tokens.ts";
import { ErrorView } from "./views/error_view.tsx";
import { Layout } from "./views/layout.tsx";

const PROBLEM_TITLES: Record<number, string> = {
  400: "Not a valid request",
  401: "Signed out",
  403: "Not allowed",
  404: "Not found",
  405: "Not allowed here",
  409: "Not possible now",
  413: "Too large",
  500: "Something went wrong",
  503: "Unavailable right now",
};

/** A full HTML document. */
export async function renderPage(
  c: Context,
  page: Child,
  status: ContentfulStatusCode = 200,
): Promise<Response> {
  return c.html(`<!doctype html>${await page}`, status);
}

/** A fragment for htmx to swap in. */
export async function renderFragment(
  c: Context,
  fragment: Child,
  status: ContentfulStatusCode = 200,
): Promise<Response> {
  return c.html(`${await fragment}`, status);
}

/**
 * An error as a page, or as a fragment for htmx. It quotes the request id, which finds the
 * details in the log; nothing internal is shown.
 */
export function renderProblem(
  c: Context,
  status: ContentfulStatusCode,
  message: string,
  fragment: boolean,
): Promise<Response> {
  const view = <ErrorView status={status} message={message} requestId={c.get("requestId")} />;
  if (fragment) return renderFragment(c, view, status);
  const session = c.get("session") as ConsoleSession | undefined;
  return renderPage(
    c,
    <Layout title={PROBLEM_TITLES[status] ?? "Error"} session={session}>{view}</Layout>,
    status,
  );
}
