/** The Idempotency-Key header: its syntax, and the advisory lock that serializes its uses. */
import { ValidationError } from "../errors.ts";
import { sha256 } from "../hash.ts";

export const IDEMPOTENCY_HEADER = "Idempotency-Key";
/** The most characters a key may have. */
export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;
/** One key character, as a regular-expression class: printable ASCII, space included. */
export const IDEMPOTENCY_KEY_CHARACTER = "[\\x20-\\x7E]";
/** 1–255 printable ASCII characters (space included, as in RFC 20's graphic set). */
const KEY_SHAPE = new RegExp(`^${IDEMPOTENCY_KEY_CHARACTER}{1,${IDEMPOTENCY_KEY_MAX_LENGTH}}$`);

/**
 * The key a request carries, or undefined when it carries none. Throws ValidationError
 * naming the header when it is present but empty or malformed.
 */
export function parseIdempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (KEY_SHAPE.test(header)) return header;
  const message = header === ""
    ? "must not be empty"
    : `must be 1-${IDEMPOTENCY_KEY_MAX_LENGTH} printable ASCII characters`;
  throw new ValidationError(
    [{ path: IDEMPOTENCY_HEADER, message }],
    `The ${IDEMPOTENCY_HEADER} header is not valid.`,
  );
}

/**
 * A signed 64-bit advisory-lock id (decimal text, for `::bigint`) for one key of one API
 * key: the first 8 bytes of SHA-256 over both. A collision only makes two unrelated
 * requests wait for each other's commit (the loser gets a 409), never mixes their records.
 */
export function idempotencyLockId(apiKeyId: string, key: string): string {
  const digest = sha256(`${apiKeyId}\n${key}`);
  return new DataView(digest.buffer, digest.byteOffset, 8).getBigInt64(0).toString();
}
