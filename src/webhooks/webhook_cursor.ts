/**
 * Opaque cursors for the webhook lists: the position of the last item a page showed, tagged
 * with the list it belongs to, so an endpoint cursor is never taken for a delivery cursor.
 */
import type { PagePosition } from "./webhook_endpoint.ts";

const MICROS = /^-?[0-9]{1,17}$/;
const IDS = {
  endpoints: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  deliveries: /^msg_[0-9a-f]{32}$/,
};
const TAGS = { endpoints: "e1", deliveries: "m1" };

export type CursorKind = keyof typeof IDS;

/** Encodes a list position as an opaque URL-safe string. */
export function encodeWebhookCursor(kind: CursorKind, position: PagePosition): string {
  const text = `${TAGS[kind]}.${position.createdMicros}.${position.id}`;
  return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

/** Decodes a cursor made by encodeWebhookCursor for the same list; undefined otherwise. */
export function decodeWebhookCursor(kind: CursorKind, cursor: string): PagePosition | undefined {
  if (cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  let text: string;
  try {
    text = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
  } catch {
    return undefined;
  }
  const [tag, createdMicros, id, ...rest] = text.split(".");
  if (tag !== TAGS[kind] || rest.length > 0) return undefined;
  if (!MICROS.test(createdMicros ?? "") || !IDS[kind].test(id ?? "")) return undefined;
  return { createdMicros, id };
}
