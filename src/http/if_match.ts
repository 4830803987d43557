/** If-Match as RFC 9110 defines it: `*` or a list of entity tags, compared strongly. */
import type { IfMatch } from "../preconditions.ts";

const ENTITY_TAG = /\s*(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*(,|$)/y;

/** Parses an If-Match header; null when absent. A malformed header matches nothing. */
export function parseIfMatch(header: string | undefined): IfMatch | null {
  if (header === undefined) return null;
  if (header.trim() === "*") return { any: true };
  const etags: string[] = [];
  ENTITY_TAG.lastIndex = 0;
  while (ENTITY_TAG.lastIndex < header.length) {
    const match = ENTITY_TAG.exec(header);
    if (!match) return { any: false, etags: [] };
    // Weak tags never match under the strong comparison If-Match requires.
    if (!match[1]) etags.push(`"${match[2]}"`);
    if (match[3] === "") break;
  }
  return { any: false, etags };
}
