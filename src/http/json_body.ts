/**
 * Reads JSON request bodies before any route sees them: 413 past the size limit (counted
 * while streaming, so a huge or endless chunked body is never held whole), 415 for a type
 * that is not JSON, 400 for bytes that are not UTF-8, text that is not JSON, or strings
 * holding NUL or unpaired surrogates.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { FieldError } from "../errors.ts";
import { problem, sendProblem } from "./problem.ts";
import type { AppEnv } from "./request_context.ts";

export const MAX_BODY_BYTES = 65_536;
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

type BodyCache = { bodyCache: { text?: Promise<string> } };

/** Middleware for POST and PATCH: leaves the checked text where Hono's validators read it. */
export function jsonBody(maxBytes = MAX_BODY_BYTES): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method !== "POST" && c.req.method !== "PATCH") return await next();
    const declared = Number(c.req.header("content-length"));
    if (Number.isFinite(declared) && declared > maxBytes) return tooLarge(c, maxBytes);
    // The server delivers no more than a declared length, so such a body is read whole (no
    // JavaScript stream per chunk); a chunked one is counted as it streams in.
    const bytes = Number.isFinite(declared)
      ? new Uint8Array(await c.req.raw.arrayBuffer())
      : await readLimited(c.req.raw, maxBytes);
    // Checked again: a Request built in process can declare less than it carries.
    if (bytes === undefined || bytes.byteLength > maxBytes) return tooLarge(c, maxBytes);
    const mediaType = (c.req.header("content-type") ?? "").split(";")[0].trim();
    if (!JSON_MEDIA_TYPE.test(mediaType)) {
      return sendProblem(
        c,
        problem(415, "unsupported_media_type", "Send the body as application/json."),
      );
    }
    const parsed = parseJson(bytes);
    if ("error" in parsed) {
      return sendProblem(c, problem(400, "malformed_body", parsed.error.message, [parsed.error]));
    }
    if (c.req.header("content-type") !== "application/json") {
      // Any JSON type was accepted here (`application/*+json`, parameters, odd casing); the
      // route validators only know plain `application/json`, so present the body as that.
      const headers = new Headers(c.req.raw.headers);
      headers.set("content-type", "application/json");
      c.req.raw = new Request(c.req.url, { method: c.req.method, headers, body: parsed.text });
    }
    (c.req as unknown as BodyCache).bodyCache.text = Promise.resolve(parsed.text);
    c.set("body", parsed.value);
    await next();
  };
}

function tooLarge(c: Context, maxBytes: number): Response {
  return sendProblem(
    c,
    problem(413, "body_too_large", `The body must be at most ${maxBytes} bytes.`),
    { Connection: "close" },
  );
}

/** The body's bytes, or undefined as soon as it passes `maxBytes`. */
async function readLimited(request: Request, maxBytes: number): Promise<Uint8Array | undefined> {
  if (!request.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = request.body.getReader();
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

function parseJson(
  bytes: Uint8Array,
): { text: string; value: unknown } | { error: FieldError & { message: string } } {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return { error: { path: "", message: "The body is not valid UTF-8." } };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: { path: "", message: "The body is not valid JSON." } };
  }
  const bad = findBadString(value, "");
  if (bad !== undefined) return { error: bad };
  return { text, value };
}

const DIRTY = "Strings must not contain NUL or unpaired surrogates.";

/** The first string (key or value) with NUL or an unpaired surrogate, or a `__proto__` key. */
function findBadString(value: unknown, path: string, depth = 0): FieldError | undefined {
  if (typeof value === "string") return isClean(value) ? undefined : { path, message: DIRTY };
  if (typeof value !== "object" || value === null || depth > 64) return undefined;
  for (const [key, child] of Object.entries(value)) {
    const childPath = path ? `${path}.${key}` : key;
    if (!isClean(key)) return { path: childPath, message: DIRTY };
    // zod drops a `__proto__` key without a word, so it would vanish from what is stored.
    if (key === "__proto__") return { path: childPath, message: "is not an allowed key" };
    const found = findBadString(child, childPath, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

function isClean(text: string): boolean {
  return text.isWellFormed() && !text.includes("\0");
}
