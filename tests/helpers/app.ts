/**
 * The real application wired to a throwaway database and per-test streams, for tests that
 * go through `app.request()`. Nothing is mocked: Postgres and Redis are the real ones.
 */
import type { Hono, MiddlewareHandler } from "hono";
import type { Redis } from "ioredis";
import { buildApp } from "../../src/app.ts";
import { parseConfig } from "../../src/config.ts";
import { parseThresholds } from "../../src/payouts/approval_rule.ts";
import { ApiKeyService } from "../../src/apikeys/apikeys.service.ts";
import type { AppEnv } from "../../src/http/request_context.ts";
import { silentLogger } from "../../src/log.ts";
import { PayoutService } from "../../src/payouts/payouts.service.ts";
import { recipientDirectory, RecipientService } from "../../src/recipients/recipients.service.ts";
import { StreamProducer } from "../../src/queue/producer.ts";
import type { StreamNames } from "../../src/queue/stream_names.ts";
import type { UrlPolicy } from "../../src/webhooks/url_guard.ts";
import { WebhookEndpointService } from "../../src/webhooks/webhook_endpoints.service.ts";
import { createTestDatabase, type TestDatabase } from "./database.ts";
import { createTestStreams } from "./redis.ts";

export interface TestApp {
  app: Hono<AppEnv>;
  db: TestDatabase;
  redis: Redis;
  names: StreamNames;
  producer: StreamProducer;
  apiKeys: ApiKeyService;
  /** A valid key, and headers carrying it (JSON content type included). */
  apiKey: string;
  headers: Record<string, string>;
  /** Sends a request through the app. */
  request(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Middleware after authentication on every API route behind a key, e.g. a rate limiter. */
  apiMiddleware?: MiddlewareHandler<AppEnv>[];
  /**
   * Which webhook URLs are accepted: https only and public addresses only unless set, and
   * host names resolved by `resolve`, which by default resolves none (no DNS in tests).
   */
  urlPolicy?: Partial<UrlPolicy>;
  /** How long a rotated-out webhook secret stays valid; the config default unless set. */
  secretGraceMs?: number;
  /** APPROVAL_THRESHOLDS, e.g. `USD=10000`; none unless set. */
  approvalThresholds?: string;
}

/** Resolves nothing: a test that needs a host name to resolve injects its own resolver. */
const noDns = (host: string) => Promise.reject(new Error(`no DNS in tests: ${host}`));

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const config = parseConfig({});
  const db = await createTestDatabase();
  const streams = createTestStreams();
  const producer = new StreamProducer(streams.redis, db.sql, streams.names.stream, silentLogger);
  // Keys are cached as in production, so revocation tests prove the eviction.
  const apiKeys = new ApiKeyService(db.sql, {
    cacheMs: config.API_KEY_CACHE_MS,
  });
  const { key } = await apiKeys.create(`test-${crypto.randomUUID().slice(0, 8)}`);
  // Creates are batched as in production (CREATE_BATCH_MS, CREATE_BATCH_MAX defaults).
  const payouts = new PayoutService({
    sql: db.sql,
    publisher: producer,
    thresholds: parseThresholds(options.approvalThresholds ?? ""),
    createBatch: { maxWaitMs: config.CREATE_BATCH_MS, maxSize: config.CREATE_BATCH_MAX },
    recipients: recipientDirectory,
  });
  const app = buildApp({
    payouts,
    recipients: new RecipientService({ sql: db.sql }),
    webhooks: new WebhookEndpointService({
      sql: db.sql,
      urlPolicy: { allowHttp: false, allowPrivate: false, resolve: noDns, ...options.urlPolicy },
      secretGraceMs: options.secretGraceMs ?? config.WEBHOOK_SECRET_GRACE_MS,
    }),
    apiKeys,
    checks: { postgres: () => db.sql`select 1`, redis: () => streams.redis.ping() },
    log: silentLogger,
    apiMiddleware: options.apiMiddleware,
  });
  const headers = { Authorization: `Bearer ${key}`, "Content-Type": "application/json" };
  return {
    app,
    db,
    redis: streams.redis,
    names: streams.names,
    producer,
    apiKeys,
    apiKey: key,
    headers,
    request: async (path, init) => await app.request(`http://localhost${path}`, init),
    async close() {
      await payouts.flush();
      await producer.flush();
      await streams.cleanup();
      await db.drop();
    },
  };
}

/** Runs `fn` on a new test app, which is closed afterwards whatever `fn` does. */
export async function withTestApp(
  fn: (t: TestApp) => void | Promise<void>,
  options: TestAppOptions = {},
): Promise<void> {
  const t = await createTestApp(options);
  try {
    await fn(t);
  } finally {
    await t.close();
  }
}
