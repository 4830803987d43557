/**
 * Signing in and out. The key arrives only in a POST body, is checked, and is never put in
 * a page, a URL or a log line; a refused sign-in says why without echoing it.
 */
import type { Handler } from "hono";
import { bodyLimit } from "hono/body-limit";
import {
  clearSessionCookie,
  clearSignInCookie,
  readSessionCookie,
  readSignInCookie,
  setSessionCookie,
  setSignInCookie,
} from "./cookies.ts";
import { formOf } from "./csrf.ts";
import type { ConsoleEnv } from "./env.ts";
import { renderPage } from "./render.tsx";
import { isTokenShaped, randomToken, sameSecret } from "./session_tokens.ts";
import type { ConsoleSessionService } from "./sessions.service.ts";
import { SignInPage } from "./views/sign_in_page.tsx";

const REFUSALS = {
  unknown_key: "That API key is not valid or was revoked.",
  missing_console_scope: "That API key lacks the console scope; use one that has it.",
} as const;

/** Forms are a few hundred bytes; anything larger is not one of ours. */
export const FORM_LIMIT = bodyLimit({ maxSize: 16 * 1024 });

export function signInHandlers(sessions: ConsoleSessionService) {
  const page = async (
    c: Parameters<Handler<ConsoleEnv>>[0],
    status: 200 | 401 | 403,
    error?: string,
  ) => {
    // A fresh form token each time the form is shown binds the POST to this browser.
    const formToken = randomToken();
    setSignInCookie(c, formToken);
    const notice = c.req.query("notice") === "signed_out" ? "You signed out." : undefined;
    return await renderPage(
      c,
      <SignInPage formToken={formToken} error={error} notice={notice} />,
      status,
    );
  };

  const signInPage: Handler<ConsoleEnv> = (c) => page(c, 200);

  const signIn: Handler<ConsoleEnv> = async (c) => {
    const form = await formOf(c.req.header("content-type") ?? null, () => c.req.parseBody());
    const formToken = typeof form?.form_token === "string" ? form.form_token : undefined;
    const expected = readSignInCookie(c);
    if (!isTokenShaped(expected) || !sameSecret(formToken, expected)) {
      return await page(
        c,
        403,
        "The sign-in form expired or did not come from this console; try again.",
      );
    }
    const key = typeof form?.key === "string" ? form.key : "";
    const result = await sessions.signIn(key);
    const log = c.get("log");
    if (!result.ok) {
      log.warn("console sign-in refused", { reason: result.reason, api_key: result.keyName });
      return await page(c, result.reason === "unknown_key" ? 401 : 403, REFUSALS[result.reason]);
    }
    // Whatever session this browser had is over: a new token, never one an attacker planted.
    await sessions.signOut(readSessionCookie(c));
    clearSignInCookie(c);
    setSessionCookie(c, result.session.token);
    c.set("apiKey", {
      id: result.session.apiKeyId,
      name: result.session.apiKeyName,
      scopes: result.session.scopes,
    });
    log.info("console sign-in", { api_key: result.session.apiKeyName });
    return c.redirect("/console/", 303);
  };

  const signOut: Handler<ConsoleEnv> = async (c) => {
    await sessions.signOut(c.get("session").token);
    clearSessionCookie(c);
    c.get("log").info("console sign-out", { api_key: c.get("session").apiKeyName });
    return c.redirect("/console/sign-in?notice=signed_out", 303);
  };

  return { signInPage, signIn, signOut };
}
