/** Standard Webhooks signatures, made by the `standardwebhooks` package. */
import { Webhook } from "standardwebhooks";

/**
 * The `webhook-signature` header: one `v1,<base64>` per secret, separated by spaces, so a
 * receiver holding either the new or the old secret verifies the message during a rotation.
 */
export function signatureHeader(
  secrets: string[],
  messageId: string,
  timestamp: Date,
  body: string,
): string {
  return secrets.map((secret) => new Webhook(secret).sign(messageId, timestamp, body)).join(" ");
}
