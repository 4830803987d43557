/**
 * Opaque cursors for the webhook lists: the position of the last item a page showed, tagged
 * with the list it belongs to, so an endpoint cursor is never taken for a delivery cursor.
 */
import { decodePageCursor, encodePageCursor, type PagePosition } from "../db/page_cursor.ts";

const IDS = {
  endpoints: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  deliveries: /^msg_[0-9a-f]{32}$/,
};
const TAGS = { endpoints: "e1", deliveries: "m1" };

export type CursorKind = keyof typeof IDS;

/** Encodes a list position as an opaque URL-safe string. */
export function encodeWebhookCursor(kind: CursorKind, position: PagePosition): string {
  return encodePageCursor(TAGS[kind], position);
}

/** Decodes a cursor made by encodeWebhookCursor for the same list; undefined otherwise. */
export function decodeWebhookCursor(kind: CursorKind, cursor: string): PagePosition | undefined {
  return decodePageCursor(TAGS[kind], IDS[kind], cursor);
}
