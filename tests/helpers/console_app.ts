/**
 * The real application with the operator console, on a throwaway database and per-test
 * streams, plus a browser-like client: it keeps the console's cookies and reads the CSRF
 * token from the pages, as a browser would. Log lines are captured, so tests can check
 * what a request wrote there.
 */
import type { Hono } from "hono";
import type { Redis } from "ioredis";
import { buildApp } from "../../src/app.ts";
import { ApiKeyService } from "../../src/apikeys/apikeys.service.ts";
import { DEFAULT_SCOPES, type Scope } from "../../src/apikeys/scopes.ts";
import { buildConsole } from "../../src/console/deps.ts";
import type { AppEnv } from "../../src/http/request_context.ts";
import { createLogger } from "../../src/log.ts";
import { PayoutService } from "../../src/payouts/payouts.service.ts";
import { StreamProducer } from "../../src/queue/producer.ts";
import type { StreamNames } from "../../src/queue/stream_names.ts";
import { WebhookEndpointService } from "../../src/webhooks/webhook_endpoints.service.ts";
import { createTestDatabase, type TestDatabase } from "./database.ts";
import { createTestStreams } from "./redis.ts";

export const BASE = "http://localhost";
export const ALL_SCOPES: Scope[] = [...DEFAULT_SCOPES, "payouts:approve"];

export interface ConsoleTestApp {
  app: Hono<AppEnv>;
  db: TestDatabase;
  redis: Redis;
  names: StreamNames;
  apiKeys: ApiKeyService;
  payouts: PayoutService;
  /** Every log line the app wrote, as JSON text. */
  logLines: string[];
  /** A new key with these scopes (all of them, approving included, by default). */
  createKey(scopes?: readonly Scope[]): Promise<{ key: string; id: string; name: string }>;
  /** Sends a request through the app. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** A browser with no cookies yet. */
  browser(): ConsoleBrowser;
  /** A browser signed in with `key`. */
  signedIn(key: string): Promise<ConsoleBrowser>;
  close(): Promise<void>;
}

export interface ConsoleBrowser {
  /** The cookies it holds, by name. */
  cookies: Map<string, string>;
  /** Sends a request with its cookies and keeps those the response sets or deletes. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Loads the sign-in form and posts `key` with the form's token. */
  signIn(key: string, headers?: Record<string, string>): Promise<Response>;
  /** The CSRF token on a page of the console (loads `/console/` unless told). */
  csrfToken(path?: string): Promise<string>;
  /** Posts a form with the CSRF token (unless `fields` sets csrf_token itself). */
  post(
    path: string,
    fields?: Record<string, string>,
    headers?: Record<string, string>,
  ): Promise<Response>;
}

export interface ConsoleTestAppOptions {
  sessionTtlMs?: number;
  /** The Redis the console reads the queues from: the test streams' client unless given. */
  redis?: Redis;
}

export async function createConsoleTestApp(
  options: ConsoleTestAppOptions = {},
): Promise<ConsoleTestApp> {
  const db = await createTestDatabase();
  const streams = createTestStreams();
  const producer = new StreamProducer(
    streams.redis,
    db.sql,
    streams.names.stream,
    createLogger({
      level: "error",
      write: () => {},
    }),
  );
  const logLines: string[] = [];
  const log = createLogger({ level: "debug", write: (line) => logLines.push(line) });
  const apiKeys = new ApiKeyService(db.sql, { cacheMs: 10_000 });
  const payouts = new PayoutService({ sql: db.sql, publisher: producer });
  const webhooks = new WebhookEndpointService({
    sql: db.sql,
    urlPolicy: { allowHttp: false, allowPrivate: false },
    secretGraceMs: 60_000,
  });
  const app = buildApp({
    payouts,
    webhooks,
    console: buildConsole({
      sql: db.sql,
      redis: options.redis ?? streams.redis,
      names: streams.names,
      apiKeys,
      payouts,
      webhooks,
      sessionTtlMs: options.sessionTtlMs ?? 3_600_000,
    }),
    apiKeys,
    checks: {},
    log,
  });
  const request = async (path: string, init?: RequestInit) =>
    await app.request(new URL(path, BASE).href, init);
  return {
    app,
    db,
    redis: streams.redis,
    names: streams.names,
    apiKeys,
    payouts,
    logLines,
    async createKey(scopes = ALL_SCOPES) {
      const name = `console-${crypto.randomUUID().slice(0, 8)}`;
      const { key, record } = await apiKeys.create(name, scopes);
      return { key, id: record.id, name };
    },
    request,
    browser: () => consoleBrowser(request),
    async signedIn(key) {
      const browser = consoleBrowser(request);
      await browser.signIn(key);
      return browser;
    },
    async close() {
      await producer.flush();
      await streams.cleanup();
      await db.drop();
    },
  };
}

/** Runs `fn` on a new console app, which is closed afterwards whatever `fn` does. */
export async function withConsoleApp(
  fn: (t: ConsoleTestApp) => void | Promise<void>,
  options: ConsoleTestAppOptions = {},
): Promise<void> {
  const t = await createConsoleTestApp(options);
  try {
    await fn(t);
  } finally {
    await t.close();
  }
}

/** A browser-like client over `request`: it keeps the console's cookies, signs in, posts forms. */
export function consoleBrowser(
  request: (path: string, init?: RequestInit) => Promise<Response>,
): ConsoleBrowser {
  const cookies = new Map<string, string>();
  const browser: ConsoleBrowser = {
    cookies,
    async fetch(path, init = {}) {
      const headers = new Headers(init.headers);
      if (cookies.size > 0) {
        headers.set("Cookie", [...cookies].map(([name, value]) => `${name}=${value}`).join("; "));
      }
      const response = await request(path, { ...init, headers, redirect: "manual" });
      for (const line of response.headers.getSetCookie()) {
        const [pair, ...attributes] = line.split(";");
        const [name, value] = [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)];
        const gone = value === "" || attributes.some((a) => /^\s*max-age=0\s*$/i.test(a));
        if (gone) cookies.delete(name);
        else cookies.set(name, value);
      }
      return response;
    },
    async signIn(key, headers = {}) {
      const form = await browser.fetch("/console/sign-in", { headers });
      const html = await form.text();
      const token = /name="form_token" value="([^"]+)"/.exec(html)?.[1] ?? "";
      return await browser.fetch("/console/sign-in", {
        method: "POST",
        headers: { ...headers, "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ form_token: token, key }),
      });
    },
    async csrfToken(path = "/console/") {
      const html = await (await browser.fetch(path)).text();
      const token = /name="csrf_token" value="([^"]+)"/.exec(html)?.[1];
      if (!token) throw new Error(`no CSRF token on ${path}`);
      return token;
    },
    async post(path, fields = {}, headers = {}) {
      const body = new URLSearchParams(
        "csrf_token" in fields ? fields : { csrf_token: await browser.csrfToken(), ...fields },
      );
      return await browser.fetch(path, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
        body,
      });
    },
  };
  return browser;
}
