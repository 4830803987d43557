/**
 * The console's cookies: HttpOnly (no script reads them), SameSite=Strict (no other site
 * makes the browser send them), Secure whenever the request came over TLS, scoped to the
 * console's paths.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { CONSOLE_PREFIX, SIGN_IN_PATH } from "./env.ts";

export const SESSION_COOKIE = "console_session";
/** Binds the sign-in form to the browser that loaded it (login CSRF). */
export const SIGN_IN_COOKIE = "console_sign_in";
const SIGN_IN_FORM_MAX_AGE_S = 3600;

/** Whether the client reached us over TLS, directly or through a proxy that says so. */
export function overTls(c: Context): boolean {
  if (new URL(c.req.url).protocol === "https:") return true;
  const forwarded = c.req.header("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
  return forwarded === "https";
}

function flags(c: Context, path: string) {
  return { httpOnly: true, sameSite: "Strict", secure: overTls(c), path } as const;
}

export function readSessionCookie(c: Context): string | undefined {
  return getCookie(c, SESSION_COOKIE);
}

/** A browser-session cookie: the server decides when the session ends. */
export function setSessionCookie(c: Context, token: string): void {
  setCookie(c, SESSION_COOKIE, token, flags(c, CONSOLE_PREFIX));
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, flags(c, CONSOLE_PREFIX));
}

export function readSignInCookie(c: Context): string | undefined {
  return getCookie(c, SIGN_IN_COOKIE);
}

export function setSignInCookie(c: Context, token: string): void {
  setCookie(c, SIGN_IN_COOKIE, token, {
    ...flags(c, SIGN_IN_PATH),
    maxAge: SIGN_IN_FORM_MAX_AGE_S,
  });
}

export function clearSignInCookie(c: Context): void {
  deleteCookie(c, SIGN_IN_COOKIE, flags(c, SIGN_IN_PATH));
}
