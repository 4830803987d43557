/** SSH host key fingerprints, as OpenSSH prints them, for pinning the bank's server. */
import { sha256 } from "../../hash.ts";
import { Buffer } from "node:buffer";

/**
 * The SHA-256 fingerprint of a host key (the raw public key blob of the SSH protocol) in
 * OpenSSH's form, `SHA256:` and unpadded base64: what `ssh-keygen -l -E sha256` prints and
 * what a bank hands out to pin.
 */
export function hostKeyFingerprint(keyBlob: Uint8Array): string {
  return `SHA256:${Buffer.from(sha256(keyBlob)).toString("base64").replace(/=+$/, "")}`;
}

/** Whether `actual` is the pinned fingerprint; the `SHA256:` prefix may be left out. */
export function fingerprintMatches(pinned: string, actual: string): boolean {
  const normalize = (value: string) => value.trim().replace(/^SHA256:/, "").replace(/=+$/, "");
  return normalize(pinned) === normalize(actual);
}
