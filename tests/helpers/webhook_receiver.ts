/**
 * A real HTTP server on 127.0.0.1 that webhook tests point endpoints at. Each request is
 * answered as the test's `behave` function says (status, delay, hang, redirect, body); every
 * request is recorded with its headers and body, and concurrent requests are counted per
 * `webhook-id`. It can stop (port closed) and start again on the same port.
 */
import { sleep } from "../../src/runtime/sleep.ts";

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

export interface ReceivedRequest {
  path: string;
  headers: Headers;
  body: string;
  /** The `webhook-id` header. */
  id: string;
  /** Requests of this receiver before this one. */
  index: number;
}

export interface Behaviour {
  status?: number;
  /** Wait this long before answering (or until the client gives up). */
  delayMs?: number;
  /** Never answer until `releaseHangs()` or the client disconnects. */
  hang?: boolean;
  /** Answer 302 with this Location. */
  redirect?: string;
  body?: string;
}

export type Behave = (request: ReceivedRequest) => Behaviour;

export interface WebhookReceiver {
  port: number;
  /** `http://127.0.0.1:<port><path>`. */
  url(path?: string): string;
  /** Every request received, in arrival order. */
  readonly requests: ReceivedRequest[];
  /** Requests answered 2xx, by webhook-id. */
  delivered(): Map<string, ReceivedRequest[]>;
  /** Requests being handled now. */
  readonly open: number;
  /** The most requests of one webhook-id that were ever open at the same time. */
  readonly maxConcurrentPerId: number;
  /** Changes how later requests are answered. */
  behave(fn: Behave): void;
  /** Lets every hanging request answer (with status 200 unless told otherwise). */
  releaseHangs(status?: number): void;
  /** Closes the port (open requests are let go first). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): void;
  close(): Promise<void>;
}

/** Starts a receiver that answers 200 to everything until told otherwise. */
export function startWebhookReceiver(behave: Behave = () => ({})): WebhookReceiver {
  let behaviour = behave;
  const requests: ReceivedRequest[] = [];
  const answered = new Map<string, ReceivedRequest[]>();
  const openById = new Map<string, number>();
  let open = 0;
  let maxConcurrentPerId = 0;
  let hangs: { resolve: (status: number) => void }[] = [];
  let server: Deno.HttpServer<Deno.NetAddr> | undefined;
  let port = 0;

  // Ends delays and hangs when the receiver stops, so its shutdown never waits on them.
  let closing = new AbortController();

  const handler = async (request: Request, info: Deno.ServeHandlerInfo): Promise<Response> => {
    const body = await request.text();
    const id = request.headers.get("webhook-id") ?? "";
    const received: ReceivedRequest = {
      path: new URL(request.url).pathname,
      headers: request.headers,
      body,
      id,
      index: requests.length,
    };
    requests.push(received);
    open++;
    const concurrent = (openById.get(id) ?? 0) + 1;
    openById.set(id, concurrent);
    maxConcurrentPerId = Math.max(maxConcurrentPerId, concurrent);
    const done = () => {
      open--;
      openById.set(id, openById.get(id)! - 1);
    };
    let status = 200;
    try {
      const wanted = behaviour(received);
      status = wanted.status ?? 200;
      if (wanted.hang) {
        status = await new Promise<number>((resolve) => {
          hangs.push({ resolve });
          closing.signal.addEventListener("abort", () => resolve(503), { once: true });
        });
      } else if (wanted.delayMs) {
        await sleep(wanted.delayMs, closing.signal);
      }
      if (wanted.redirect) status = 302;
      const response = wanted.redirect
        ? new Response(null, { status, headers: { location: wanted.redirect } })
        : new Response(NULL_BODY_STATUSES.has(status) ? null : wanted.body ?? "ok", { status });
      // Counted as delivered only once the client really got the answer (a client that
      // timed out and hung up never does).
      info.completed.then(() => {
        if (status >= 200 && status < 300) {
          answered.set(id, [...answered.get(id) ?? [], received]);
        }
      }, () => {}).finally(done);
      return response;
    } catch (error) {
      done();
      throw error;
    }
  };

  const start = () => {
    if (server) throw new Error("the receiver is already listening");
    server = Deno.serve({ hostname: "127.0.0.1", port, onListen: () => {} }, handler);
    port = server.addr.port;
  };
  const releaseHangs = (status = 200) => {
    const waiting = hangs;
    hangs = [];
    for (const hang of waiting) hang.resolve(status);
  };
  const stop = async () => {
    if (!server) return;
    const listening = server;
    server = undefined;
    closing.abort();
    hangs = [];
    await listening.shutdown();
    closing = new AbortController();
  };

  start();
  return {
    get port() {
      return port;
    },
    url: (path = "/hook") => `http://127.0.0.1:${port}${path}`,
    requests,
    delivered: () => answered,
    get open() {
      return open;
    },
    get maxConcurrentPerId() {
      return maxConcurrentPerId;
    },
    behave(fn) {
      behaviour = fn;
    },
    releaseHangs,
    stop,
    start,
    close: stop,
  };
}
