/**
 * Headers on every console response: never cached (pages hold payout data), never framed
 * (clickjacking), and a strict CSP: scripts and styles from this origin only, no inline
 * script or style, forms posting only back here.
 */
import type { MiddlewareHandler } from "hono";
import type { ConsoleEnv } from "./env.ts";

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

export function consoleHeaders(): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    // Set before the response exists, so every response (errors included) carries them.
    c.header("Cache-Control", "no-store");
    c.header("X-Frame-Options", "DENY");
    c.header("Content-Security-Policy", CONSOLE_CSP);
    c.header("Referrer-Policy", "no-referrer");
    await next();
  };
}
