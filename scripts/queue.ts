/**
 * Queue tooling for operators.
 *
 *     deno task queue status
 *     deno task queue requeue-dead [--id ENTRY_ID ...]
 *
 * Reads the same environment as the API and worker (DATABASE_URL, REDIS_URL, STREAM_KEY,
 * DEAD_LETTER_STREAM_KEY, CONSUMER_GROUP). `status` also shows the webhook backlog. Bad
 * usage: one line on stderr, exit 2; a failure: one `queue: <message>` line, exit 1.
 *
 * @module
 */
import { PAYOUT_STATUSES } from "../src/payouts/payout.ts";
import { loadConfigOrExit } from "../src/config.ts";
import { createSql } from "../src/db/client.ts";
import { createLogger } from "../src/log.ts";
import { type QueueStatus, readQueueStatus } from "../src/ops/queue_status.ts";
import { requeueDeadLetters } from "../src/queue/requeue_dead.ts";
import { createRedis } from "../src/redis.ts";
import { streamNamesOf } from "../src/queue/stream_names.ts";

const USAGE = "usage: deno task queue status | requeue-dead [--id ENTRY_ID ...]";
const ENTRY_ID = /^[0-9]+-[0-9]+$/;

type Command = { name: "status" } | { name: "requeue-dead"; ids: string[] };

/** Parses the arguments, or returns the one-line complaint for bad usage. */
export function parseArgs(args: string[]): Command | string {
  const [name, ...rest] = args;
  if (name === "status") return rest.length === 0 ? { name } : `unexpected argument: ${rest[0]}`;
  if (name !== "requeue-dead") return name ? `unknown command: ${name}` : USAGE;
  const ids: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const value = arg === "--id" ? rest[++i] : arg.startsWith("--id=") ? arg.slice(5) : null;
    if (value === null) return `unexpected argument: ${arg}`;
    if (value === undefined || !ENTRY_ID.test(value)) {
      return `--id needs a stream entry id such as 1700000000000-0`;
    }
    ids.push(value);
  }
  return { name, ids };
}

const seconds = (ms: number | null) => (ms === null ? "-" : `${(ms / 1000).toFixed(1)}s`);

/** The status report as plain text lines. */
export function formatStatus(status: QueueStatus): string[] {
  const lines = [`stream: ${status.names.stream}`, `  length: ${status.length}`];
  if (status.groups.length === 0) lines.push("  groups: none");
  for (const group of status.groups) {
    lines.push(
      `group: ${group.name}`,
      `  consumers: ${group.consumers}`,
      `  pending: ${group.pending}`,
      `  lag: ${group.lag ?? "unknown"}`,
      `  last delivered: ${group.lastDeliveredId}`,
    );
    for (const consumer of group.consumerList) {
      lines.push(
        `  consumer ${consumer.name}: pending ${consumer.pending}, idle ${
          seconds(consumer.idleMs)
        }`,
      );
    }
    const { oldest } = group.pendingSummary;
    lines.push(`  pending entries: ${group.pendingSummary.count}`);
    if (oldest) {
      lines.push(
        `    oldest: ${oldest.id} (age ${seconds(oldest.ageMs)}, idle ${
          seconds(oldest.idleMs)
        }, deliveries ${oldest.deliveries})`,
      );
    }
  }
  lines.push(`dead letters: ${status.deadLetters.count} (${status.names.deadLetter})`);
  for (const dead of status.deadLetters.latest) {
    lines.push(`  ${dead.id} payout ${dead.payoutId ?? "-"}: ${dead.reason}`);
  }
  lines.push(
    `outbox backlog: ${status.outbox.count} (oldest ${seconds(status.outbox.oldestAgeMs)})`,
  );
  const statuses = [...PAYOUT_STATUSES, "canceled"];
  const counts = statuses.map((name) => `${name} ${status.payoutsByStatus[name] ?? 0}`);
  lines.push(`payouts: ${counts.join(", ")}`);
  const hooks = status.webhooks;
  lines.push(
    `webhooks: pending ${hooks.pending}, due now ${hooks.due}, failed ${hooks.failed} ` +
      `(oldest pending ${seconds(hooks.oldestPendingAgeMs)})`,
  );
  return lines;
}

async function main(args: string[]): Promise<number> {
  const command = parseArgs(args);
  if (typeof command === "string") {
    console.error(command === USAGE ? USAGE : `queue: ${command} (${USAGE})`);
    return 2;
  }
  const config = loadConfigOrExit("queue");
  const log = createLogger({ level: "error", format: "pretty" }, { service: "queue" });
  const sql = createSql(config.DATABASE_URL, {
    max: 2,
    applicationName: "payouts-queue-cli",
    prepare: config.DATABASE_PREPARE,
    maxPipeline: config.DATABASE_MAX_PIPELINE,
  });
  const redis = createRedis(config.redis, {
    name: "payouts-queue-cli",
    log,
    commandTimeoutMs: 5000,
  });
  const names = streamNamesOf(config);
  try {
    if (command.name === "status") {
      for (const line of formatStatus(await readQueueStatus({ sql, redis, names }))) {
        console.log(line);
      }
      return 0;
    }
    const outcomes = await requeueDeadLetters({ sql, redis, names }, command.ids);
    for (const outcome of outcomes) {
      console.log(
        `${outcome.requeued ? "requeued" : "skipped"} ${outcome.id} payout ${
          outcome.payoutId ?? "-"
        }: ${outcome.note}`,
      );
    }
    const requeued = outcomes.filter((outcome) => outcome.requeued).length;
    console.log(`requeued ${requeued} of ${outcomes.length} dead letters`);
    return 0;
  } catch (error) {
    console.error(`queue: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    redis.disconnect();
    await sql.end({ timeout: 5 });
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
