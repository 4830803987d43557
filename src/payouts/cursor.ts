/** Opaque list cursors: the position of the last payout a page showed. */
import type { ListPosition } from "./payouts.repository.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MICROS = /^-?[0-9]{1,17}$/;

/** Encodes a list position as an opaque URL-safe string. */
export function encodeCursor(position: ListPosition): string {
  const text = `v1.${position.createdMicros}.${position.id}`;
  return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

/** Decodes a cursor made by encodeCursor; undefined when it is not one. */
export function decodeCursor(cursor: string): ListPosition | undefined {
  if (cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  let text: string;
  try {
    text = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
  } catch {
    return undefined;
  }
  const [version, createdMicros, id, ...rest] = text.split(".");
  if (version !== "v1" || rest.length > 0) return undefined;
  if (!MICROS.test(createdMicros ?? "") || !UUID.test(id ?? "")) return undefined;
  return { createdMicros, id };
}
