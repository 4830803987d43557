/** The worker process: reads config, builds the runtime from real connections, owns shutdown. */
import { type Config, loadConfigOrExit, sepaConfigured } from "./src/config.ts";
import type { Connector } from "./src/connectors/connector.ts";
import { withConnectorFault } from "./src/connectors/fault_injection.ts";
import { Router } from "./src/connectors/routing.ts";
import { SimulatedConnector } from "./src/connectors/simulated/simulated_connector.ts";
import { checkDebtor, SepaFileConnector } from "./src/connectors/sepa_file/sepa_file_connector.ts";
import { SepaRunner } from "./src/connectors/sepa_file/sepa_runner.ts";
import { type SftpDropConfig, sftpDropOpener } from "./src/connectors/sepa_file/sftp_drop.ts";
import { createSql } from "./src/db/client.ts";
import { expireIdempotencyRecords } from "./src/idempotency/idempotency.service.ts";
import { createLogger } from "./src/log.ts";
import { serveMetrics } from "./src/metrics/metrics_server.ts";
import { createWorkerMetrics } from "./src/metrics/worker_metrics.ts";
import { ensureGroup } from "./src/queue/job_stream.ts";
import { runDueScanner } from "./src/queue/due_scanner.ts";
import { StreamProducer } from "./src/queue/producer.ts";
import { createRedis } from "./src/redis.ts";
import { runMaintenance } from "./src/worker/maintenance.ts";
import { PayoutProcessor } from "./src/worker/payout_processor.ts";
import { WorkerRuntime } from "./src/worker/worker_runtime.ts";
import { streamNamesOf } from "./src/queue/stream_names.ts";
import { WebhookDispatcher } from "./src/webhooks/dispatcher.ts";
import { renderEventData } from "./src/payouts/payout_snapshot.ts";
import { disableFailingEndpointsTask } from "./src/webhooks/endpoint_disabler.ts";
import { deleteExpiredListenersTask } from "./src/webhooks/listener_cleanup.ts";

const config = loadConfigOrExit("worker");
const sepa = sepaConfigured(config) ? sepaSettingsOrExit(config) : undefined;
const consumer = config.WORKER_NAME ||
  `${Deno.hostname()}-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
const log = createLogger(
  { level: config.LOG_LEVEL, format: config.LOG_FORMAT },
  { service: "worker", worker: consumer },
);
const names = streamNamesOf(config);
const sql = createSql(config.DATABASE_URL, {
  max: config.DATABASE_POOL_SIZE,
  applicationName: "payouts-worker",
  prepare: config.DATABASE_PREPARE,
  maxPipeline: config.DATABASE_MAX_PIPELINE,
});
const redis = createRedis(config.redis, {
  name: `worker:${consumer}`,
  log,
  commandTimeoutMs: 5000,
});
const blocking = createRedis(config.redis, {
  name: `worker:${consumer}:reader`,
  log,
  commandTimeoutMs: config.WORKER_BLOCK_MS + 5000,
});

const metrics = createWorkerMetrics(config.INSTANCE_NAME || consumer);
const connectors: Connector[] = [
  new SimulatedConnector(sql, {
    latencyMs: config.PROVIDER_LATENCY_MS,
    failureRate: config.PROVIDER_FAILURE_RATE,
    onBatch: (size, outcome) => metrics.onBatch("ledger", size, outcome),
  }),
  ...(sepa ? [new SepaFileConnector(sql, { debtor: sepa.debtor })] : []),
];
const router = new Router(
  config.routingRules,
  connectors.map((connector) =>
    metrics.meterConnector(withConnectorFault(connector, config.FAULT_INJECT))
  ),
);
const processor = new PayoutProcessor(
  sql,
  router,
  {
    workerId: `worker:${consumer}`,
    leaseMs: config.CLAIM_IDLE_MS,
    maxAttempts: config.MAX_ATTEMPTS,
    retryBaseMs: config.RETRY_BASE_MS,
    retryMaxMs: config.RETRY_MAX_MS,
    onBatch: metrics.onBatch,
  },
);
const runtime = new WorkerRuntime({
  blocking,
  redis,
  processor,
  log,
  onJob: (job) => {
    metrics.onJob(job);
    log.info("job", {
      payout_id: job.payoutId,
      result: job.outcome,
      attempts: job.attempts,
      deliveries: job.deliveries,
      duration_ms: Math.round(job.seconds * 10000) / 10,
    });
  },
  onRetry: metrics.onRetry,
}, {
  consumer,
  names,
  concurrency: config.WORKER_CONCURRENCY,
  batchSize: config.WORKER_BATCH_SIZE,
  blockMs: config.WORKER_BLOCK_MS,
  claimIdleMs: config.CLAIM_IDLE_MS,
  reclaimIntervalMs: config.RECLAIM_INTERVAL_MS,
  maxDeliveries: config.MAX_DELIVERIES,
  deadLetterMaxLen: config.DEAD_LETTER_MAX_LEN,
});

// Beside the payout runtime, not inside it: its own slots and loop, so payouts never wait
// on a slow endpoint.
const webhooks = new WebhookDispatcher({
  sql,
  log,
  render: renderEventData,
  onDelivery: metrics.onWebhookDelivery,
}, {
  worker: `worker:${consumer}`,
  concurrency: config.WEBHOOK_CONCURRENCY,
  endpointConcurrency: config.WEBHOOK_ENDPOINT_CONCURRENCY,
  timeoutMs: config.WEBHOOK_TIMEOUT_MS,
  schedule: config.WEBHOOK_RETRY_SCHEDULE_MS,
  pollMs: config.WEBHOOK_POLL_MS,
  policy: { allowHttp: config.WEBHOOK_ALLOW_HTTP, allowPrivate: config.WEBHOOK_ALLOW_PRIVATE },
});

// The SEPA rail's files and reports, beside the payouts: only with SEPA configured.
const sepaRunner = sepa
  ? new SepaRunner({
    sql,
    openDrop: sftpDropOpener(sepa.drop),
    log: log.child({ rail: "sepa_file" }),
    hooks: {
      onFileUploaded: metrics.onSepaFileUploaded,
      onReport: metrics.onBankReport,
      onConfirmation: metrics.onBankConfirmation,
    },
  }, {
    worker: `worker:${consumer}`,
    debtor: sepa.debtor,
    cutoffMs: config.SEPA_CUTOFF_MS,
    maxPayments: config.SEPA_FILE_MAX_PAYMENTS,
    pollMs: config.SEPA_POLL_MS,
  })
  : undefined;

const stopping = new AbortController();
await ensureGroup(redis, names).catch((error) =>
  log.warn("could not create the consumer group yet; will retry", { error: error.message })
);
runtime.start();
webhooks.start();
sepaRunner?.start();
const metricsServer = config.WORKER_METRICS_PORT > 0
  ? serveMetrics({
    hostname: config.HOST,
    port: config.WORKER_METRICS_PORT,
    registry: metrics.registry,
    token: config.METRICS_TOKEN,
    log,
  })
  : undefined;
const producer = new StreamProducer(redis, sql, names.stream, log);
// Scheduled payouts: Postgres decides when one is due; this enqueues it within a scan.
const dueScanner = runDueScanner({ sql, producer, log }, config.SCHEDULE_SCAN_MS, stopping.signal);
const maintenance = runMaintenance(
  {
    sql,
    redis,
    producer,
    log,
    extraTasks: [
      { name: "expire idempotency keys", run: () => expireIdempotencyRecords(sql) },
      {
        name: "disable failing webhook endpoints",
        run: () => disableFailingEndpointsTask(sql, log, config.WEBHOOK_DISABLE_AFTER_MS),
      },
      {
        name: "delete expired webhook listeners",
        run: () => deleteExpiredListenersTask(sql, log),
      },
    ],
  },
  {
    names,
    consumer,
    intervalMs: config.RECONCILE_INTERVAL_MS,
    relayDelayMs: config.RELAY_DELAY_MS,
    reconcileStaleMs: config.RECONCILE_STALE_MS,
    consumerIdleDeleteMs: config.CONSUMER_IDLE_DELETE_MS,
  },
  stopping.signal,
);
log.info("worker started", {
  concurrency: config.WORKER_CONCURRENCY,
  stream: names.stream,
  connectors: connectors.map((connector) => connector.name),
});

async function shutdown(signal: string) {
  if (stopping.signal.aborted) return;
  stopping.abort();
  log.info("worker shutting down", { signal });
  // Both drain at once; each releases what it could not finish before sql closes.
  const [{ unfinished }, hooks] = await Promise.all([
    runtime.stop(config.SHUTDOWN_TIMEOUT_MS),
    webhooks.stop(config.SHUTDOWN_TIMEOUT_MS),
    sepaRunner?.stop(),
  ]);
  await Promise.all([maintenance, dueScanner]);
  await metricsServer?.shutdown();
  blocking.disconnect();
  redis.disconnect();
  await sql.end({ timeout: 5 });
  log.info("worker stopped", { unfinished, unfinished_webhooks: hooks.unfinished });
  Deno.exit(0);
}

Deno.addSignalListener("SIGTERM", () => shutdown("SIGTERM"));
Deno.addSignalListener("SIGINT", () => shutdown("SIGINT"));

/** The SEPA rail's settings, or exit 1 with one line naming the variable at fault. */
function sepaSettingsOrExit(config: Config): { drop: SftpDropConfig; debtor: SepaDebtor } {
  const exit = (name: string, message: string): never => {
    console.error(`worker: invalid ${name}: ${message}`);
    Deno.exit(1);
  };
  let privateKey: string | undefined;
  if (config.SEPA_SFTP_KEY_FILE !== "") {
    try {
      privateKey = Deno.readTextFileSync(config.SEPA_SFTP_KEY_FILE);
    } catch (error) {
      exit(
        "SEPA_SFTP_KEY_FILE",
        `cannot read ${config.SEPA_SFTP_KEY_FILE} (${(error as Error).name})`,
      );
    }
  }
  const debtor = {
    name: config.SEPA_DEBTOR_NAME,
    iban: config.SEPA_DEBTOR_IBAN,
    bic: config.SEPA_DEBTOR_BIC,
  };
  try {
    checkDebtor(debtor);
  } catch (error) {
    exit(
      "SEPA_DEBTOR_IBAN",
      `our account cannot be the debtor of a file: ${(error as Error).message}`,
    );
  }
  return {
    debtor,
    drop: {
      host: config.SEPA_SFTP_HOST,
      port: config.SEPA_SFTP_PORT,
      username: config.SEPA_SFTP_USER,
      ...(privateKey === undefined ? {} : { privateKey }),
      ...(config.SEPA_SFTP_PASSWORD === "" ? {} : { password: config.SEPA_SFTP_PASSWORD }),
      // Unpinned only when the configuration says so explicitly (tests).
      ...(config.SEPA_SFTP_INSECURE_ANY_HOST_KEY && config.SEPA_SFTP_HOST_KEY === ""
        ? {}
        : { hostKeyFingerprint: config.SEPA_SFTP_HOST_KEY }),
      inboundDir: config.SEPA_SFTP_INBOUND_DIR,
      outboundDir: config.SEPA_SFTP_OUTBOUND_DIR,
    },
  };
}

type SepaDebtor = { name: string; iban: string; bic: string };
