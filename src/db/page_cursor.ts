/**
 * Opaque keyset cursors: the position of the last item a page showed (creation time in
 * microseconds, then id), behind a tag naming the list, as a URL-safe string.
 */

/** Position in a newest-first list. */
export interface PagePosition {
  createdMicros: string;
  id: string;
}

const MICROS = /^-?[0-9]{1,17}$/;

/** Encodes a position for the list `tag`. */
export function encodePageCursor(tag: string, position: PagePosition): string {
  const text = `${tag}.${position.createdMicros}.${position.id}`;
  return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

/**
 * Decodes a cursor made by encodePageCursor for the list `tag` whose ids match `idShape`;
 * undefined for anything else.
 */
export function decodePageCursor(
  tag: string,
  idShape: RegExp,
  cursor: string,
): PagePosition | undefined {
  if (cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  let text: string;
  try {
    text = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
  } catch {
    return undefined;
  }
  const [found, createdMicros, id, ...rest] = text.split(".");
  if (found !== tag || rest.length > 0) return undefined;
  if (!MICROS.test(createdMicros ?? "") || !idShape.test(id ?? "")) return undefined;
  return { createdMicros, id };
}
