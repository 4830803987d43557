/**
 * The worker process's metrics: jobs by result, retries, job durations, connector call
 * durations and outcomes, the payout transitions this worker made, how many jobs shared each
 * claim, ledger and finish statement, its webhook attempts, and the SEPA rail's files,
 * bank reports and the time from a payout's creation to the bank's confirmation.
 */
import { Counter, Histogram, Registry } from "prom-client";
import { type Connector, CONNECTOR_OUTCOMES } from "../connectors/connector.ts";
import type { DeliveryOutcome, DeliveryReport } from "../webhooks/dispatcher.ts";
import type { BatchOutcome } from "../runtime/batcher.ts";
import type { JobReport } from "../worker/worker_runtime.ts";
import { MeteredConnector } from "./metered_connector.ts";
import { labelInstance, registerProcessMetrics } from "./process_metrics.ts";

const JOB_RESULTS: JobReport["outcome"][] = [
  "completed",
  "failed",
  "submitted",
  "skipped",
  "lease_lost",
  "abandoned",
  "dead_lettered",
  "error",
];
const JOB_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const DELIVERY_OUTCOMES: DeliveryOutcome[] = ["delivered", "retry_scheduled", "failed", "refused"];
const DELIVERY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const PROVIDER_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_BUCKETS = [2, 4, 8, 16, 32, 64, 128, 256];
const BATCH_STATEMENTS = ["claim", "ledger", "finish"] as const;
// From a payout's creation to the bank's confirmation: minutes to days.
const CONFIRMATION_BUCKETS = [60, 300, 900, 1800, 3600, 7200, 14400, 43200, 86400, 172800, 345600];
const REPORT_KINDS = ["pain.002", "camt.054", "unknown"] as const;
const REPORT_OUTCOMES = ["applied", "ignored", "duplicate", "failed"] as const;

/** How one bank report went: applied (it changed payouts), ignored, a duplicate, or failed. */
export type ReportOutcome = typeof REPORT_OUTCOMES[number];

/** A statement that jobs share: the claim, the simulated provider's ledger, the finish. */
export type BatchStatement = typeof BATCH_STATEMENTS[number];

export interface WorkerMetrics {
  registry: Registry;
  /** For `WorkerRuntime`'s `onJob`. */
  onJob(report: JobReport): void;
  /** For `WorkerRuntime`'s `onRetry`: one call per failed attempt that will be retried. */
  onRetry(): void;
  /** Wraps a connector so each call is timed by outcome and counted by connector and outcome. */
  meterConnector(connector: Connector): Connector;
  /** For `WebhookDispatcher`'s `onDelivery`: one call per recorded attempt. */
  onWebhookDelivery(report: DeliveryReport): void;
  /** For the processor's and the simulated provider's `onBatch`: one call per shared statement. */
  onBatch(statement: BatchStatement, size: number, outcome: BatchOutcome): void;
  /** For the SEPA runner: one call per file that reached the bank (uploaded or found there). */
  onSepaFileUploaded(): void;
  /** For the SEPA runner: one call per bank report picked up. */
  onBankReport(kind: string, outcome: ReportOutcome): void;
  /** For the SEPA runner: a payout the bank accepted, this long after it was created. */
  onBankConfirmation(seconds: number): void;
}

/**
 * Builds a fresh registry with the worker's metrics; nothing is global. `instance` (the
 * INSTANCE_NAME, or the consumer name) labels every metric.
 */
export function createWorkerMetrics(instance?: string): WorkerMetrics {
  const registry = new Registry();
  labelInstance(registry, instance);
  registerProcessMetrics(registry);
  const jobs = new Counter({
    name: "payouts_jobs_total",
    help: "Jobs handled, by result.",
    labelNames: ["result"],
    registers: [registry],
  });
  const jobDuration = new Histogram({
    name: "payouts_job_duration_seconds",
    help: "Time from taking a job to its result, backoffs included, by result.",
    labelNames: ["result"],
    buckets: JOB_BUCKETS,
    registers: [registry],
  });
  const retries = new Counter({
    name: "payouts_job_retries_total",
    help: "Failed attempts that were retried after a backoff (attempt_failed events).",
    registers: [registry],
  });
  const providerDuration = new Histogram({
    name: "payouts_provider_call_duration_seconds",
    help: "Connector (payment provider) call durations, by outcome.",
    labelNames: ["outcome"],
    buckets: PROVIDER_BUCKETS,
    registers: [registry],
  });
  const connectorOutcomes = new Counter({
    name: "payouts_connector_outcomes_total",
    help: "Connector calls, by connector and outcome (paid, duplicate, submitted, refused, " +
      "transient_error, permanent_error, or error when the call threw).",
    labelNames: ["connector", "outcome"],
    registers: [registry],
  });
  const sepaFiles = new Counter({
    name: "sepa_files_uploaded_total",
    help: "SEPA payment files this worker delivered to the bank's inbound folder.",
    registers: [registry],
  });
  const bankReports = new Counter({
    name: "sepa_bank_reports_total",
    help: "Bank reports this worker picked up, by kind (pain.002, camt.054, unknown) and " +
      "outcome (applied: it changed payouts; ignored; duplicate; failed: retried next round).",
    labelNames: ["kind", "outcome"],
    registers: [registry],
  });
  const confirmation = new Histogram({
    name: "payouts_bank_confirmation_seconds",
    help: "Seconds from a payout's creation to the bank's acceptance in a status report.",
    buckets: CONFIRMATION_BUCKETS,
    registers: [registry],
  });
  const transitions = new Counter({
    name: "payouts_transitions_total",
    help: "Payouts this worker moved to a final status, by status.",
    labelNames: ["status"],
    registers: [registry],
  });
  const deliveries = new Counter({
    name: "webhook_deliveries_total",
    help: "Webhook delivery attempts this worker recorded, by outcome (refused: the URL " +
      "guard stopped the request; the message is retried or failed as for any failure).",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const deliveryDuration = new Histogram({
    name: "webhook_delivery_duration_seconds",
    help: "Time of one webhook attempt, URL check to last byte read, by outcome.",
    labelNames: ["outcome"],
    buckets: DELIVERY_BUCKETS,
    registers: [registry],
  });
  const batchSize = new Histogram({
    name: "payouts_batch_size",
    help: "Jobs that shared one claim, ledger or finish statement (two or more), by statement.",
    labelNames: ["statement"],
    buckets: BATCH_BUCKETS,
    registers: [registry],
  });
  const batchFailures = new Counter({
    name: "payouts_batch_failures_total",
    help: "Shared statements that failed, by statement and outcome (fell_back: retried row " +
      "by row so a bad row fails alone; failed: an outage, every job held).",
    labelNames: ["statement", "outcome"],
    registers: [registry],
  });
  // Zero series from the start, so rate() and alerts see every result before it happens.
  for (const result of JOB_RESULTS) jobs.inc({ result }, 0);
  for (const status of ["completed", "failed"]) transitions.inc({ status }, 0);
  retries.inc(0);
  for (const outcome of DELIVERY_OUTCOMES) deliveries.inc({ outcome }, 0);
  for (const statement of BATCH_STATEMENTS) {
    for (const outcome of ["fell_back", "failed"]) batchFailures.inc({ statement, outcome }, 0);
  }
  sepaFiles.inc(0);
  for (const kind of REPORT_KINDS) {
    for (const outcome of REPORT_OUTCOMES) bankReports.inc({ kind, outcome }, 0);
  }

  return {
    registry,
    onJob(report) {
      jobs.inc({ result: report.outcome });
      jobDuration.observe({ result: report.outcome }, report.seconds);
      const final = report.outcome === "dead_lettered" ? report.fate : report.outcome;
      if (final === "completed" || final === "failed") transitions.inc({ status: final });
    },
    onRetry: () => retries.inc(),
    meterConnector(connector) {
      for (const outcome of CONNECTOR_OUTCOMES) {
        connectorOutcomes.inc({ connector: connector.name, outcome }, 0);
      }
      return new MeteredConnector(connector, providerDuration, connectorOutcomes);
    },
    onWebhookDelivery({ outcome, seconds }) {
      deliveries.inc({ outcome });
      deliveryDuration.observe({ outcome }, seconds);
    },
    onBatch(statement, size, outcome) {
      batchSize.observe({ statement }, size);
      if (outcome !== "ok") batchFailures.inc({ statement, outcome });
    },
    onSepaFileUploaded: () => sepaFiles.inc(),
    onBankReport: (kind, outcome) => bankReports.inc({ kind, outcome }),
    onBankConfirmation: (seconds) => confirmation.observe(seconds),
  };
}
