/**
 * The fingerprint of a request body for Idempotency-Key checks: SHA-256 over a canonical
 * JSON text, so key order and white space do not make two equal documents differ.
 */
import { sha256Hex } from "../hash.ts";

/**
 * JSON text with object keys sorted (by UTF-16 code units) at every level and no white
 * space. Written out directly rather than by rebuilding objects, so keys such as
 * `__proto__` stay plain data.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value).sort().map((key) =>
      `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`
    );
    return `{${entries.join(",")}}`;
  }
  // Numbers come out in their shortest round-trip form, so `1.0` and `1` are one value.
  return JSON.stringify(value) ?? "null";
}

/** SHA-256 hex of the canonical JSON of a parsed request body. */
export function requestHash(body: unknown): string {
  return sha256Hex(canonicalJson(body));
}
