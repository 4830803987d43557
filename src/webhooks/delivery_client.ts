/**
 * One HTTP attempt of one webhook message: the URL checked again (its host may resolve
 * elsewhere now), a signed POST that follows no redirect, bounded in time from the request
 * to the last byte read, and at most 64 KiB of the answer kept. Never throws.
 */
import { signatureHeader } from "./signing.ts";
import { type UrlPolicy, urlProblem } from "./url_guard.ts";

/** How much of a response body is read and kept. */
export const RESPONSE_BODY_LIMIT = 64 * 1024;
export const USER_AGENT = "payouts-webhooks/1.0";

export interface DeliveryRequest {
  url: string;
  messageId: string;
  body: string;
  /** Every secret that signs now; each adds one `v1,` signature. */
  secrets: string[];
}

export interface DeliveryOptions {
  policy: UrlPolicy;
  timeoutMs: number;
  /** Aborts the attempt early (shutdown); the result then has `aborted` set. */
  signal?: AbortSignal;
}

export interface DeliveryResult {
  /** The HTTP status, or null when no response came. */
  statusCode: number | null;
  durationMs: number;
  /** Why the attempt failed, in a few words; null for an answer with any status. */
  error: string | null;
  /** Up to RESPONSE_BODY_LIMIT bytes of the body, as text; null without a response. */
  body: string | null;
  /** True when the URL guard refused the URL and nothing was sent. */
  refused: boolean;
  /** True when `signal` ended the attempt: it says nothing about the endpoint. */
  aborted: boolean;
}

/** Whether the attempt counts as delivered: a 2xx answer received in full time. */
export function isDelivered(result: DeliveryResult): boolean {
  return result.error === null && result.statusCode !== null && result.statusCode >= 200 &&
    result.statusCode < 300;
}

/** Sends one attempt. */
export async function deliver(
  request: DeliveryRequest,
  options: DeliveryOptions,
): Promise<DeliveryResult> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const problem = await urlProblem(request.url, options.policy);
  if (problem) {
    return {
      statusCode: null,
      durationMs: elapsed(),
      error: `URL refused: ${problem}`,
      body: null,
      refused: true,
      aborted: false,
    };
  }
  // An own timer rather than AbortSignal.timeout(), so nothing outlives the attempt.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  const onStop = () => controller.abort();
  options.signal?.addEventListener("abort", onStop, { once: true });
  let statusCode: number | null = null;
  try {
    const at = new Date();
    const response = await fetch(request.url, {
      method: "POST",
      redirect: "manual",
      signal: controller.signal,
      headers: {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": request.messageId,
        "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
        "webhook-signature": signatureHeader(request.secrets, request.messageId, at, request.body),
      },
      body: request.body,
    });
    statusCode = response.status;
    const body = await readStart(response);
    const redirected = statusCode >= 300 && statusCode < 400;
    return {
      statusCode,
      durationMs: elapsed(),
      error: redirected ? `redirect (${statusCode}) not followed` : null,
      body,
      refused: false,
      aborted: false,
    };
  } catch (error) {
    const aborted = options.signal?.aborted ?? false;
    return {
      statusCode,
      durationMs: elapsed(),
      error: aborted
        ? "aborted: the worker is shutting down"
        : controller.signal.aborted
        ? `timed out after ${options.timeoutMs} ms`
        : describeFetchError(error),
      body: null,
      refused: false,
      aborted,
    };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onStop);
  }
}

/** Reads up to RESPONSE_BODY_LIMIT bytes, then cancels the rest of the stream. */
async function readStart(response: Response): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < RESPONSE_BODY_LIMIT) {
      const { done, value } = await reader.read();
      if (done) break;
      const piece = value.subarray(0, RESPONSE_BODY_LIMIT - size);
      chunks.push(piece);
      size += piece.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  // Postgres text cannot hold NUL; a cut multi-byte character becomes U+FFFD.
  return new TextDecoder().decode(bytes).replaceAll("\u0000", "\uFFFD");
}

/** Deno's fetch says "fetch failed"; its cause says what happened, after the URL. */
function describeFetchError(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const text = cause instanceof Error ? cause.message : String(cause);
  const plain = text.replace(/^error sending request for url \([^)]*\): /, "").split("\n")[0];
  return plain.length > 300 ? `${plain.slice(0, 297)}...` : plain;
}
