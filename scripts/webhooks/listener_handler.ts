/**
 * What the local listener does with each message the workers deliver: verifies its
 * signature as a receiver would (the `standardwebhooks` package, the endpoint's secret),
 * forwards it on with its original headers if asked, prints one line, and answers.
 *
 * The answer is what the workers record: 2xx when the message is verified and, with a
 * forward target, when the target answered 2xx; otherwise the target's own status (or 502
 * when it could not be reached), so a failing target makes the workers retry it as they
 * would retry that target itself. A message whose signature does not verify is answered
 * 400 and not forwarded, as a receiver refuses it.
 */
import { Webhook } from "standardwebhooks";

/** The headers a Standard Webhooks receiver reads; forwarded as they came. */
export const FORWARDED_HEADERS = [
  "content-type",
  "webhook-id",
  "webhook-timestamp",
  "webhook-signature",
] as const;

const FORWARD_TIMEOUT_MS = 10_000;

export interface ListenerOptions {
  secret: string;
  forwardTo: string | null;
  /** Receives the line printed for each message. */
  print: (line: string) => void;
}

/** A `Deno.serve` handler for the listener's loopback URL. */
export function listenerHandler(options: ListenerOptions): (request: Request) => Promise<Response> {
  const webhook = new Webhook(options.secret);
  return async (request) => {
    if (request.method !== "POST") {
      return new Response("this is a webhook listener: POST only\n", { status: 405 });
    }
    const body = await request.text();
    const headers = Object.fromEntries(
      FORWARDED_HEADERS.flatMap((name) => {
        const value = request.headers.get(name);
        return value === null ? [] : [[name, value]];
      }),
    );
    const verification = verify(webhook, body, headers);
    const parts = [...describeMessage(body, headers["webhook-id"]), verification.text];
    let status = verification.ok ? 204 : 400;
    if (verification.ok && options.forwardTo) {
      const forward = await forwardMessage(options.forwardTo, body, headers);
      status = forward.status;
      parts.push(`forwarded → ${forward.text}${status === 204 ? "" : " (the worker will retry)"}`);
    }
    options.print(parts.join("  "));
    return new Response(null, { status });
  };
}

function verify(
  webhook: Webhook,
  body: string,
  headers: Record<string, string>,
): { ok: boolean; text: string } {
  try {
    webhook.verify(body, headers);
    return { ok: true, text: "signature verified" };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { ok: false, text: `signature NOT verified (${why})` };
  }
}

/** The event type, the payout id and the webhook-id, as far as the message has them. */
function describeMessage(body: string, messageId: string | undefined): string[] {
  let type = "(not JSON)";
  let subject = "-";
  try {
    const parsed = JSON.parse(body);
    type = typeof parsed?.type === "string" ? parsed.type : "(no type)";
    const id = parsed?.data?.id;
    if (typeof id === "string") subject = `payout ${id}`;
  } catch {
    // Printed as it is.
  }
  return [type.padEnd(21), subject, messageId ?? "(no webhook-id)"];
}

/**
 * POSTs the message to the target with its original headers. The answer for the workers:
 * 204 for any 2xx, the target's status otherwise, 502 when no answer came.
 */
async function forwardMessage(
  url: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; text: string }> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
    });
    await response.body?.cancel();
    const ok = response.status >= 200 && response.status < 300;
    const status = ok
      ? 204
      : response.status >= 300 && response.status <= 599
      ? response.status
      : 502;
    return { status, text: String(response.status) };
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    const why = cause instanceof Error ? cause.message : String(cause);
    return { status: 502, text: `failed (${why.split("\n")[0]})` };
  }
}
