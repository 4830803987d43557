/**
 * The console's session tokens: random, sent only in an HttpOnly cookie, stored as a
 * SHA-256 hash; the CSRF token is an HMAC of the session token, so it needs no storage and
 * changes with every sign-in.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Scope } from "../apikeys/scopes.ts";

/** A live session, as every console request sees it. */
export interface ConsoleSession {
  /** The session token from the cookie (never stored, never logged). */
  token: string;
  apiKeyId: string;
  apiKeyName: string;
  scopes: readonly Scope[];
  csrfToken: string;
  expiresAt: Date;
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
const encoder = new TextEncoder();

/** 256 random bits, base64url without padding (43 characters). */
export function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

/** Whether a cookie value can be a token at all (anything else is not looked up). */
export function isTokenShaped(value: string | undefined): value is string {
  return value !== undefined && TOKEN_SHAPE.test(value);
}

/** The CSRF token bound to a session token. */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac("sha256", sessionToken).update("console-csrf").digest("base64url");
}

/** Compares two secrets without a branch on their bytes. */
export function sameSecret(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
