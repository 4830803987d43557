/**
 * What the webhook delivery tests share: endpoints and messages written with SQL (the API
 * for endpoints is not this part's), a dispatcher with fast settings on a test database, a
 * logger that keeps its lines, and waits on message states.
 */
import type postgres from "postgres";
import { createLogger, type Logger } from "../../../src/log.ts";
import { buildDraft } from "../../../src/payouts/payout_rules.ts";
import { insertPayout } from "../../../src/payouts/payouts.repository.ts";
import { renderEventData } from "../../../src/payouts/payout_snapshot.ts";
import { type DeliveryReport, WebhookDispatcher } from "../../../src/webhooks/dispatcher.ts";
import type { DispatcherOptions } from "../../../src/webhooks/dispatcher.ts";
import { generateSecret } from "../../../src/webhooks/secret.ts";
import { waitFor } from "../../helpers/wait.ts";

/** Deadline for outcomes that take well under a second normally. */
export const DEADLINE_MS = 30_000;

/** Short schedule: first attempt at once, then retries 50 ms apart, eight attempts in all. */
export const FAST_SCHEDULE = [0, 50, 50, 50, 50, 50, 50, 50];

export interface TestEndpoint {
  id: string;
  secret: string;
}

export interface EndpointOptions {
  events?: string[];
  /** A rotated endpoint: this was the secret before, valid for `previousValidMs` more. */
  previousSecret?: string;
  previousValidMs?: number;
}

/** Inserts an enabled endpoint for `url`, subscribed to every event unless told otherwise. */
export async function createEndpoint(
  sql: postgres.Sql,
  url: string,
  options: EndpointOptions = {},
): Promise<TestEndpoint> {
  const secret = generateSecret();
  const expires = options.previousSecret
    ? sql`clock_timestamp() + ${options.previousValidMs ?? 60_000} * interval '1 millisecond'`
    : sql`null`;
  const [row] = await sql<{ id: string }[]>`
    insert into webhook_endpoints (url, events, secret, previous_secret, previous_secret_expires_at)
    values (${url}, ${options.events ?? ["*"]}, ${secret}, ${options.previousSecret ?? null},
      ${expires})
    returning id
  `;
  return { id: row.id, secret };
}

/** Inserts `count` `webhook.test` messages for the endpoint, due now; returns their ids. */
export async function insertMessages(
  sql: postgres.Sql,
  endpointId: string,
  count: number,
): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    insert into webhook_messages (id, endpoint_id, event_type, data)
    select 'msg_' || replace(gen_random_uuid()::text, '-', ''), ${endpointId}, 'webhook.test',
      jsonb_build_object('n', n)
    from generate_series(1, ${count}::int) n
    returning id
  `;
  return rows.map((row) => row.id);
}

/**
 * Creates a pending payout through the repository, which writes its `payout.created`
 * messages in the same statement; returns the payout id.
 */
export async function insertTestPayout(sql: postgres.Sql, amount = "10.00"): Promise<string> {
  const draft = buildDraft({
    amount,
    currency: "USD",
    recipient_details: { account: "DE89370400440532013000" },
  }, new Date());
  const { payout } = await insertPayout(sql, crypto.randomUUID(), draft, "pending", {
    name: "test:webhooks",
    apiKeyId: null,
  });
  return payout.id;
}

/** The ids of the messages written for a payout, oldest first. */
export async function messagesOfPayout(sql: postgres.Sql, payoutId: string): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    select id from webhook_messages where payout_id = ${payoutId} order by occurred_at, id
  `;
  return rows.map((row) => row.id);
}

export interface MessageState {
  id: string;
  status: string;
  attempt_count: number;
}

/** The state of the given messages (or of every message), by id. */
export async function messageStates(
  sql: postgres.Sql,
  ids?: string[],
): Promise<Map<string, MessageState>> {
  const rows = await sql<MessageState[]>`
    select id, status, attempt_count from webhook_messages
    ${ids ? sql`where id = any(${ids}::text[])` : sql``}
  `;
  return new Map(rows.map((row) => [row.id, { ...row }]));
}

/** Waits until every one of `ids` is in `status`; returns their states. */
export async function waitForMessages(
  sql: postgres.Sql,
  ids: string[],
  status: string,
  timeoutMs = DEADLINE_MS,
): Promise<Map<string, MessageState>> {
  let last = new Map<string, MessageState>();
  try {
    return await waitFor(async () => {
      last = await messageStates(sql, ids);
      return ids.every((id) => last.get(id)?.status === status) ? last : undefined;
    }, { timeoutMs, intervalMs: 25, message: `${ids.length} messages ${status}` });
  } catch (error) {
    const counts = Object.groupBy([...last.values()], (message) => message.status);
    const summary = Object.entries(counts).map(([name, list]) => `${name} ${list?.length}`);
    throw new Error(`${(error as Error).message}; messages now: ${summary.join(", ")}`);
  }
}

export interface AttemptRow {
  message_id: string;
  status_code: number | null;
  error: string | null;
  response_body: string | null;
  worker: string;
}

/** The attempt log of one message, oldest first. */
export async function attemptsOf(sql: postgres.Sql, messageId: string): Promise<AttemptRow[]> {
  const rows = await sql<AttemptRow[]>`
    select message_id, status_code, error, response_body, worker from webhook_attempts
    where message_id = ${messageId} order by id
  `;
  return rows.map((row) => ({ ...row }));
}

/** A logger that keeps every line (JSON) for the test to look at. */
export function recordingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger({ level: "debug", write: (line) => lines.push(line) }), lines };
}

export interface TestDispatcher {
  dispatcher: WebhookDispatcher;
  worker: string;
  reports: DeliveryReport[];
  lines: string[];
  stop(): Promise<{ unfinished: number }>;
}

/** Starts a dispatcher on `sql` with fast test settings, plain http to 127.0.0.1 allowed. */
export function startDispatcher(
  sql: postgres.Sql,
  overrides: Partial<DispatcherOptions> = {},
): TestDispatcher {
  const worker = `test:${crypto.randomUUID().slice(0, 8)}`;
  const { log, lines } = recordingLogger();
  const reports: DeliveryReport[] = [];
  const dispatcher = new WebhookDispatcher({
    sql,
    log,
    render: renderEventData,
    onDelivery: (report) => reports.push(report),
  }, {
    worker,
    concurrency: 16,
    endpointConcurrency: 4,
    timeoutMs: 2000,
    schedule: FAST_SCHEDULE,
    pollMs: 20,
    policy: { allowHttp: true, allowPrivate: true },
    ...overrides,
  });
  dispatcher.start();
  return { dispatcher, worker, reports, lines, stop: () => dispatcher.stop(5000) };
}
