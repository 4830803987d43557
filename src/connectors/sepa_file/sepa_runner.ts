/**
 * The SEPA rail's background work in a worker process, beside the payout runtime: three
 * loops, each safe with any number of workers running them at once.
 *
 * - the file builder builds every due file (file_builder.ts: SKIP LOCKED on the transfers);
 * - the uploader delivers built files to the bank exactly once (file_upload.ts: a lease per
 *   file in Postgres, a temporary name and a rename on the server);
 * - the report pickup applies each report the bank left once (report_pickup.ts: recorded by
 *   name and content hash in the transaction that applies it; report_apply.ts).
 *
 * A loop that fails (the bank's server or Postgres down) logs, waits for its next round and
 * tries again; Postgres stays the record of what was done.
 *
 * @module
 */
import type { Pool } from "../../db/types.ts";
import type { Logger } from "../../log.ts";
import { describe, OutageRetry } from "../../runtime/outage_retry.ts";
import { sleep } from "../../runtime/sleep.ts";
import type { OpenBankDrop } from "./bank_drop.ts";
import type { ReportKind } from "./bank_reports.repository.ts";
import { buildDueFile, type BuiltFile, type FileBuilderOptions } from "./file_builder.ts";
import { uploadDueFiles, type UploadOptions, type UploadOutcome } from "./file_upload.ts";
import type { SepaParty } from "./pain001.ts";
import { applyBankReport, classifyReport } from "./report_apply.ts";
import { pickUpReports, type PickupResult } from "./report_pickup.ts";

export interface SepaRunnerOptions {
  /** Recorded as the uploader and as the actor of file assignments (`worker:<consumer>`). */
  worker: string;
  debtor: SepaParty;
  cutoffMs: number;
  maxPayments: number;
  /** How long each loop waits between rounds. */
  pollMs: number;
  /** Upload tunables (leases, retry backoff), for tests. */
  upload?: Omit<UploadOptions, "worker">;
}

/** How one picked-up report went, for metrics. */
export type ReportDecision = "applied" | "ignored" | "duplicate" | "failed";

export interface SepaRunnerHooks {
  onFileBuilt?(file: BuiltFile): void;
  /** A file reached the bank (uploaded, or found there by a later attempt). */
  onFileUploaded?(outcome: UploadOutcome): void;
  onReport?(kind: ReportKind, decision: ReportDecision): void;
  /** A payout the bank accepted, this many seconds after its creation. */
  onConfirmation?(seconds: number): void;
}

export interface SepaRunnerDeps {
  sql: Pool;
  openDrop: OpenBankDrop;
  log: Logger;
  hooks?: SepaRunnerHooks;
}

export class SepaRunner {
  private readonly stopping = new AbortController();
  private loops: Promise<void>[] = [];
  /** Wakes the uploader early once a file was built. */
  private readonly uploadWake: Wake = { pending: false };

  constructor(private readonly deps: SepaRunnerDeps, private readonly options: SepaRunnerOptions) {}

  start(): void {
    this.loops = [
      this.loop("building SEPA files", () => this.buildFiles()),
      this.loop("uploading SEPA files", () => this.uploadFiles(), this.uploadWake),
      this.loop("picking up bank reports", () => this.pickUpReports()),
    ];
  }

  /** Stops the loops after the round each is in (bounded by the drop's timeouts). */
  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.all(this.loops);
  }

  /** Builds every due file; returns them. */
  async buildFiles(): Promise<BuiltFile[]> {
    const builder: FileBuilderOptions = {
      debtor: this.options.debtor,
      cutoffMs: this.options.cutoffMs,
      maxPayments: this.options.maxPayments,
      actor: this.options.worker,
    };
    const built: BuiltFile[] = [];
    for (let file; (file = await buildDueFile(this.deps.sql, builder)) !== null;) {
      built.push(file);
      this.deps.log.info("SEPA file built", {
        file_id: file.id,
        file_name: file.name,
        payments: file.paymentsCount,
        ctrl_sum: file.ctrlSum,
      });
      this.deps.hooks?.onFileBuilt?.(file);
      if (this.stopping.signal.aborted) break;
    }
    if (built.length > 0) {
      this.uploadWake.pending = true;
      this.uploadWake.interrupt?.();
    }
    return built;
  }

  /** Makes upload attempts until no file is due (or one failed); returns what each did. */
  async uploadFiles(): Promise<UploadOutcome[]> {
    const outcomes = await uploadDueFiles(this.deps.sql, this.deps.openDrop, {
      ...this.options.upload,
      worker: this.options.worker,
    });
    for (const outcome of outcomes) {
      const fields = { file_id: outcome.id, file_name: outcome.name, attempts: outcome.attempts };
      if (outcome.status === "uploaded" || outcome.status === "found") {
        this.deps.log.info("SEPA file delivered to the bank", { ...fields, how: outcome.status });
        this.deps.hooks?.onFileUploaded?.(outcome);
      } else if (outcome.status === "failed") {
        this.deps.log.warn("SEPA file upload failed; will retry", {
          ...fields,
          error: outcome.error,
          retry_in_ms: outcome.retryInMs,
        });
      } else if (outcome.status === "in_doubt") {
        this.deps.log.error("SEPA file in doubt: an operator must decide", {
          ...fields,
          reason: outcome.reason,
        });
      }
    }
    return outcomes;
  }

  /** One pickup round over the bank's outbound folder. */
  async pickUpReports(): Promise<PickupResult> {
    const kinds = new Map<string, ReportKind>();
    const confirmations = new Map<string, number[]>();
    const changed = new Set<string>();
    const result = await pickUpReports(this.deps.sql, this.deps.openDrop, {
      classify: (name, content) => {
        const kind = classifyReport(name, content);
        kinds.set(name, kind);
        return kind;
      },
      apply: async (report, tx) => {
        const applied = await applyBankReport(report, tx);
        confirmations.set(report.name, applied.confirmations);
        if (applied.changed) changed.add(report.name);
        return applied.summary;
      },
    });
    const hooks = this.deps.hooks;
    const kindOf = (name: string) => kinds.get(name) ?? "unknown";
    for (const name of result.applied) {
      const decision = changed.has(name) ? "applied" : "ignored";
      this.deps.log.info("bank report picked up", { report: name, kind: kindOf(name), decision });
      hooks?.onReport?.(kindOf(name), decision);
      // Only now that its transaction committed.
      for (const seconds of confirmations.get(name) ?? []) hooks?.onConfirmation?.(seconds);
    }
    for (const name of [...result.duplicates, ...result.alreadyRecorded]) {
      this.deps.log.info("bank report is a copy of one applied before", { report: name });
      hooks?.onReport?.(kindOf(name), "duplicate");
    }
    for (const { name, error } of result.failed) {
      this.deps.log.warn("applying a bank report failed; will retry", { report: name, error });
      hooks?.onReport?.(kindOf(name), "failed");
    }
    return result;
  }

  private async loop(what: string, round: () => Promise<unknown>, wake?: Wake): Promise<void> {
    const failures = new OutageRetry();
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      if (wake) wake.pending = false;
      try {
        await round();
        if (failures.failures > 0) this.deps.log.info(`${what} again`);
        failures.reset();
      } catch (error) {
        failures.fail();
        if (failures.shouldLog) {
          this.deps.log.warn(`${what} failed`, {
            error: describe(error),
            consecutive_failures: failures.failures,
          });
        }
      }
      // Woken during the round: what woke it is there to do now.
      if (wake?.pending && failures.failures === 0) continue;
      const early = new AbortController();
      if (wake) wake.interrupt = () => early.abort();
      await sleep(this.options.pollMs, AbortSignal.any([signal, early.signal]));
      if (wake) wake.interrupt = undefined;
    }
  }
}

/** A loop's wake-up call: `pending` when there is work, `interrupt` cuts its sleep short. */
interface Wake {
  pending: boolean;
  interrupt?: () => void;
}
