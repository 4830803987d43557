/** SHA-256, computed synchronously (node:crypto): cheaper than crypto.subtle on hot paths. */
import { createHash } from "node:crypto";

/** The SHA-256 digest of text (as UTF-8) or bytes. */
export function sha256(input: string | Uint8Array): Uint8Array {
  return createHash("sha256").update(input).digest();
}

/** The SHA-256 digest as 64 lower-case hex digits. */
export function sha256Hex(input: string | Uint8Array): string {
  return createHash("sha256").update(input).digest("hex");
}
