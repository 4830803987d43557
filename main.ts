/** The API process: reads config, builds the app from real connections, owns shutdown. */
import { buildApp } from "./src/app.ts";
import { ApiKeyService } from "./src/apikeys/apikeys.service.ts";
import { loadConfigOrExit } from "./src/config.ts";
import { buildConsole } from "./src/console/deps.ts";
import { createSql } from "./src/db/client.ts";
import { InFlightRequests } from "./src/http/in_flight.ts";
import { defaultBurst, rateLimit } from "./src/http/rate_limit.ts";
import { createLogger } from "./src/log.ts";
import { createApiMetrics } from "./src/metrics/api_metrics.ts";
import { PayoutService } from "./src/payouts/payouts.service.ts";
import { recipientDirectory, RecipientService } from "./src/recipients/recipients.service.ts";
import { withFaultInjection } from "./src/queue/fault_injection.ts";
import { relayOutboxOnce } from "./src/queue/outbox_relay.ts";
import { StreamProducer } from "./src/queue/producer.ts";
import { createRedis } from "./src/redis.ts";
import { sleep } from "./src/runtime/sleep.ts";
import { streamNamesOf } from "./src/queue/stream_names.ts";
import { WebhookEndpointService } from "./src/webhooks/webhook_endpoints.service.ts";

const config = loadConfigOrExit("api");
const log = createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT }, {
  service: "api",
});
const sql = createSql(config.DATABASE_URL, {
  max: config.DATABASE_POOL_SIZE,
  applicationName: "payouts-api",
  prepare: config.DATABASE_PREPARE,
  maxPipeline: config.DATABASE_MAX_PIPELINE,
});
const redis = createRedis(config.redis, {
  name: "payouts-api",
  log,
  failFast: true,
  commandTimeoutMs: 1000,
});
const producer = new StreamProducer(redis, sql, config.STREAM_KEY, log);
const metrics = createApiMetrics({
  token: config.METRICS_TOKEN,
  queue: {
    sql,
    redis,
    names: streamNamesOf(config),
  },
  instance: config.INSTANCE_NAME || `${Deno.hostname()}:${config.PORT}`,
});

const apiKeys = new ApiKeyService(sql, { cacheMs: config.API_KEY_CACHE_MS });
// LISTEN holds a session: past a transaction-mode pooler when DATABASE_DIRECT_URL is set.
const listenSql = config.DATABASE_DIRECT_URL
  ? createSql(config.DATABASE_DIRECT_URL, {
    max: 1,
    applicationName: "payouts-api-listen",
    prepare: config.DATABASE_PREPARE,
    maxPipeline: config.DATABASE_MAX_PIPELINE,
  })
  : sql;
// Revocations by any process (the CLI included) evict cached keys at once.
const stopListening = config.API_KEY_CACHE_MS > 0
  ? await apiKeys.listenForRevocations(listenSql).catch((error) => {
    log.error("cannot listen for key revocations; caching keys anyway", { error: error.message });
    return async () => {};
  })
  : async () => {};

const payouts = new PayoutService({
  sql,
  publisher: metrics.countCreated(withFaultInjection(producer, config.FAULT_INJECT)),
  thresholds: config.APPROVAL_THRESHOLDS,
  createBatch: {
    maxWaitMs: config.CREATE_BATCH_MS,
    maxSize: config.CREATE_BATCH_MAX,
    onBatch: metrics.observeCreateBatch,
  },
  recipients: recipientDirectory,
});
const recipients = new RecipientService({ sql });
const webhooks = new WebhookEndpointService({
  sql,
  urlPolicy: {
    allowHttp: config.WEBHOOK_ALLOW_HTTP,
    allowPrivate: config.WEBHOOK_ALLOW_PRIVATE,
  },
  secretGraceMs: config.WEBHOOK_SECRET_GRACE_MS,
});

const app = buildApp({
  payouts,
  recipients,
  webhooks,
  console: buildConsole({
    sql,
    redis,
    names: streamNamesOf(config),
    apiKeys,
    payouts,
    webhooks,
    sessionTtlMs: config.CONSOLE_SESSION_TTL_MS,
  }),
  apiKeys,
  checks: { postgres: () => sql`select 1`, redis: () => redis.ping() },
  log,
  observe: metrics.observe,
  extraRoutes: metrics.mount,
  corsOrigins: config.CORS_ORIGINS ? config.CORS_ORIGINS.split(",").map((o) => o.trim()) : [],
  // The fail-fast client: while Redis is down the limiter lets requests through at once.
  apiMiddleware: config.RATE_LIMIT_RPS > 0
    ? [rateLimit(redis, {
      rps: config.RATE_LIMIT_RPS,
      burst: config.RATE_LIMIT_BURST || defaultBurst(config.RATE_LIMIT_RPS),
      log,
    })]
    : [],
});

const stopping = new AbortController();
// The relay publishes jobs whose XADD failed (Redis down) once Redis is back.
const relay = (async () => {
  while (await sleep(config.RELAY_INTERVAL_MS, stopping.signal)) {
    await relayOutboxOnce(sql, producer, config.RELAY_DELAY_MS).catch((error) =>
      log.debug("outbox relay round failed", { error: error.message })
    );
  }
})();

const inFlight = new InFlightRequests();
const server = Deno.serve({
  hostname: config.HOST,
  port: config.PORT,
  onListen: ({ hostname, port }) => log.info("api listening", { hostname, port }),
}, inFlight.track(app.fetch));

async function shutdown(signal: string) {
  if (stopping.signal.aborted) return;
  stopping.abort();
  log.info("api shutting down", { signal });
  // Creates gathering for a batch need not wait out its window.
  payouts.flush();
  const timer = setTimeout(() => {
    log.error("api shutdown timed out");
    Deno.exit(1);
  }, config.SHUTDOWN_TIMEOUT_MS + 2000);
  // Deno 2.9's shutdown() breaks the bodies of requests in flight: let them finish first.
  await inFlight.idle(config.SHUTDOWN_TIMEOUT_MS);
  await server.shutdown(); // finishes in-flight requests
  await relay;
  // Creates still gathering for a batch commit now; then their outbox rows are retired.
  await payouts.flush();
  await producer.flush();
  redis.disconnect();
  await stopListening();
  if (listenSql !== sql) await listenSql.end({ timeout: 5 });
  await sql.end({ timeout: 5 });
  clearTimeout(timer);
  log.info("api stopped");
  Deno.exit(0);
}

Deno.addSignalListener("SIGTERM", () => shutdown("SIGTERM"));
Deno.addSignalListener("SIGINT", () => shutdown("SIGINT"));
