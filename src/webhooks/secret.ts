/** Endpoint signing secrets in the Standard Webhooks form: `whsec_` + base64 of random bytes. */

const SECRET_BYTES = 32;

/** A new secret; 32 random bytes (the spec asks for 24 to 64). */
export function generateSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(SECRET_BYTES));
  return `whsec_${btoa(String.fromCharCode(...bytes))}`;
}
