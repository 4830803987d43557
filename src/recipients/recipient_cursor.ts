/** Opaque list cursors: the position of the last recipient a page showed. */
import { decodePageCursor, encodePageCursor, type PagePosition } from "../db/page_cursor.ts";

const TAG = "r1";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Encodes a list position as an opaque URL-safe string. */
export function encodeRecipientCursor(position: PagePosition): string {
  return encodePageCursor(TAG, position);
}

/** Decodes a cursor made by encodeRecipientCursor; undefined when it is not one. */
export function decodeRecipientCursor(cursor: string): PagePosition | undefined {
  return decodePageCursor(TAG, UUID, cursor);
}
