import { z } from "zod";
import { isSEPACountry, isValidBIC, isValidIBAN } from "ibantools";
import { CONNECTOR_CATALOG, SEPA_FILE, SIMULATED } from "./connectors/connector_catalog.ts";
import {
  checkRouting,
  defaultRules,
  parseRoutingRules,
  RoutingError,
  type RoutingRule,
} from "./connectors/routing.ts";
import { NAME_MAX_LENGTH, toSepaText } from "./connectors/sepa_file/sepa_text.ts";
import { type ApprovalThresholds, parseThresholds } from "./payouts/approval_rule.ts";
import type { RedisTarget, SentinelAddress } from "./redis.ts";

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const url = (protocols: string[]) =>
  z.string().refine((value) => {
    try {
      return protocols.includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, `must be a ${protocols.join(" or ")} URL`);

const bool = (fallback: boolean) =>
  z.enum(["true", "false"]).default(fallback ? "true" : "false").transform((v) => v === "true");
/** Comma-separated delays in ms, e.g. `0,5000,300000`: at least one, each up to 30 days. */
const schedule = (fallback: string) =>
  z.string().default(fallback).transform((value, ctx) => {
    const parts = value.split(",").map((part) => part.trim());
    const delays = parts.map(Number);
    if (
      parts.length > 50 ||
      parts.some((part, i) => !/^[0-9]+$/.test(part) || delays[i] > 30 * 86_400_000)
    ) {
      ctx.addIssue({
        code: "custom",
        message: "must be 1 to 50 comma-separated whole numbers of ms, each at most 30 days",
      });
      return z.NEVER;
    }
    return delays;
  });
/** Comma-separated `host:port` pairs (`[::1]:26379` for IPv6), e.g. Sentinel addresses. */
const addresses = z.string().default("").transform((value, ctx): SentinelAddress[] => {
  if (value.trim() === "") return [];
  const parts = value.split(",").map((part) => part.trim());
  const parsed = parts.map((part) =>
    part.match(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):([0-9]{1,5})$/)
  );
  if (
    parts.length > 20 ||
    parsed.some((match) => !match || !(Number(match[2]) >= 1 && Number(match[2]) <= 65535))
  ) {
    ctx.addIssue({
      code: "custom",
      message: "must be 1 to 20 comma-separated host:port addresses (IPv6 as [addr]:port)",
    });
    return z.NEVER;
  }
  return parsed.map((match) => ({
    host: match![1].replace(/^\[(.*)\]$/, "$1"),
    port: Number(match![2]),
  }));
});

const schema = z.object({
  DATABASE_URL: url(["postgres:", "postgresql:"]).default(
    "postgres://postgres@127.0.0.1:5432/payouts",
  ),
  /**
   * Connections per process. Statements beyond it are pipelined on the open connections;
   * far more connections than the database has cores only add lock and commit contention
   * (about twice the cores: 4 on the 2-core benchmark machine).
   */
  DATABASE_POOL_SIZE: int(1, 100).default(4),
  /** Prepared statements; set false behind a transaction-mode pooler such as PgBouncer. */
  DATABASE_PREPARE: z.enum(["true", "false"]).default("true").transform((v) => v === "true"),
  /**
   * Postgres without a pooler in between, for what needs a session of its own: LISTEN (the
   * API's key revocations) and migrations. Set it when DATABASE_URL goes through a
   * transaction-mode pooler such as PgBouncer; empty = DATABASE_URL.
   */
  DATABASE_DIRECT_URL: url(["postgres:", "postgresql:"]).default(""),
  /**
   * Queries in flight on one connection. 1 behind PgBouncer before 1.21 in transaction mode:
   * it gives the server connection away at the end of one query's transaction while the
   * answers to the queries pipelined behind it are still coming, and they are lost.
   */
  DATABASE_MAX_PIPELINE: int(1, 1000).default(100),
  REDIS_URL: url(["redis:", "rediss:"]).default("redis://127.0.0.1:6379/0"),
  /**
   * Sentinels to ask for the master instead of REDIS_URL (exclusive with it): every client
   * of every process then connects through them and follows a failover.
   */
  REDIS_SENTINELS: addresses,
  /** The master's name as the sentinels monitor it (`sentinel monitor <name> ...`). */
  REDIS_SENTINEL_MASTER: z.string().regex(
    /^[A-Za-z0-9._-]{1,200}$/,
    "must be 1 to 200 letters, digits, dots, dashes or underscores",
  ).default(""),
  /** The database number on the master (with REDIS_URL it is the URL's path). */
  REDIS_SENTINEL_DB: int(0, 1000).default(0),
  /** The sentinels' own password (`requirepass` in sentinel.conf), if any. */
  REDIS_SENTINEL_PASSWORD: z.string().default(""),
  /** The master's and replicas' password, if any (with REDIS_URL it is in the URL). */
  REDIS_PASSWORD: z.string().default(""),
  PORT: int(0, 65535).default(8000),
  HOST: z.string().min(1).default("0.0.0.0"),
  STREAM_KEY: z.string().min(1).max(200).default("payouts:jobs"),
  DEAD_LETTER_STREAM_KEY: z.string().min(1).max(200).default("payouts:dead"),
  CONSUMER_GROUP: z.string().min(1).max(200).default("payout-workers"),
  WORKER_NAME: z.string().max(200).default(""),
  /**
   * The `instance` label on every metric of this process, so replicas scraped side by side
   * stay apart; empty = `hostname:PORT` for the API, the worker's consumer name for a worker.
   */
  INSTANCE_NAME: z.string().max(200).default(""),
  /**
   * Jobs one worker holds at once. They spend most of their time waiting on the provider and
   * are claimed and finished in batches, so more in flight means fuller batches, not more
   * connections: enough must be in flight for one worker to keep up with the API's creates
   * on a small machine (bench/HISTORY.md has the runs that chose 128).
   */
  WORKER_CONCURRENCY: int(1, 1000).default(128),
  WORKER_BATCH_SIZE: int(1, 1000).default(64),
  WORKER_BLOCK_MS: int(10, 60_000).default(2000),
  WORKER_METRICS_PORT: int(0, 65535).default(9100),
  CLAIM_IDLE_MS: int(100, 3_600_000).default(15_000),
  RECLAIM_INTERVAL_MS: int(50, 600_000).default(5000),
  RECONCILE_INTERVAL_MS: int(50, 600_000).default(5000),
  RECONCILE_STALE_MS: int(100, 3_600_000).default(20_000),
  RELAY_INTERVAL_MS: int(50, 600_000).default(1000),
  RELAY_DELAY_MS: int(0, 600_000).default(2000),
  MAX_ATTEMPTS: int(1, 100).default(5),
  MAX_DELIVERIES: int(1, 1000).default(10),
  RETRY_BASE_MS: int(1, 600_000).default(200),
  RETRY_MAX_MS: int(1, 600_000).default(5000),
  DEAD_LETTER_MAX_LEN: int(100, 100_000_000).default(100_000),
  CONSUMER_IDLE_DELETE_MS: int(1000, 86_400_000).default(600_000),
  SHUTDOWN_TIMEOUT_MS: int(0, 600_000).default(10_000),
  PROVIDER_LATENCY_MS: int(0, 60_000).default(20),
  PROVIDER_FAILURE_RATE: z.coerce.number().min(0).max(1).default(0),
  RATE_LIMIT_RPS: z.coerce.number().min(0).max(1_000_000).default(0),
  RATE_LIMIT_BURST: int(0, 1_000_000).default(0),
  /**
   * Group commit: creates without an Idempotency-Key that arrive while the previous batch
   * is being written share the next statement and commit. When none is being written, the
   * first create waits this long for others (0 = it goes at once).
   */
  CREATE_BATCH_MS: int(0, 1000).default(0),
  /** At most this many creates in one statement (1 = each commits alone). */
  CREATE_BATCH_MAX: int(1, 1000).default(64),
  /** How long the API trusts a verified key before asking Postgres again (0 = always ask). */
  API_KEY_CACHE_MS: int(0, 3_600_000).default(10_000),
  /** Allow plain-http webhook URLs (local development and tests only). */
  WEBHOOK_ALLOW_HTTP: bool(false),
  /** Allow webhook URLs on loopback, private, link-local, CGNAT or metadata addresses. */
  WEBHOOK_ALLOW_PRIVATE: bool(false),
  /** A delivery must answer 2xx within this time. */
  WEBHOOK_TIMEOUT_MS: int(100, 120_000).default(10_000),
  /** Delay before each attempt of a message, the first one included (Standard Webhooks'). */
  WEBHOOK_RETRY_SCHEDULE_MS: schedule(
    "0,5000,300000,1800000,7200000,18000000,36000000,36000000",
  ),
  /** An endpoint whose every delivery failed for this long is disabled. */
  WEBHOOK_DISABLE_AFTER_MS: int(1000, 365 * 86_400_000).default(5 * 86_400_000),
  /** How long the previous secret keeps signing after a rotation. */
  WEBHOOK_SECRET_GRACE_MS: int(0, 30 * 86_400_000).default(86_400_000),
  /** Deliveries one worker process makes at once. */
  WEBHOOK_CONCURRENCY: int(1, 1000).default(16),
  /** Deliveries in flight to one endpoint, over all workers: a slow one cannot hog them. */
  WEBHOOK_ENDPOINT_CONCURRENCY: int(1, 1000).default(8),
  /** How often an idle worker looks for due webhook messages. */
  WEBHOOK_POLL_MS: int(10, 60_000).default(500),
  /**
   * Amounts at or above which a payout needs approval, by currency in major units, e.g.
   * `USD=10000,EUR=10000`; empty: only payouts created with `requires_approval`.
   */
  APPROVAL_THRESHOLDS: z.string().default("").transform((text, ctx): ApprovalThresholds => {
    try {
      return parseThresholds(text);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: (error as Error).message });
      return z.NEVER;
    }
  }),
  /** How often workers look for scheduled payouts that have come due. */
  SCHEDULE_SCAN_MS: int(50, 60_000).default(1000),
  /** How long an operator console session lasts since its last page or action. */
  CONSOLE_SESSION_TTL_MS: int(1000, 30 * 86_400_000).default(8 * 3_600_000),
  METRICS_TOKEN: z.string().default(""),
  CORS_ORIGINS: z.string().default(""),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  LOG_FORMAT: z.enum(["json", "pretty"]).default("json"),
  /**
   * Routing rules as JSON: an ordered list of `{currency?, recipient_type?, min_amount?,
   * max_amount?, connectors}`, the first match wins (src/connectors/routing.ts). Empty: the
   * defaults (everything simulated; with SEPA configured, EUR to SEPA recipients by file).
   */
  ROUTING_RULES: z.string().default(""),
  /** The same rules read from a JSON file at start; exclusive with ROUTING_RULES. */
  ROUTING_FILE: z.string().default(""),
  /** The bank's SFTP server. SEPA (the `sepa_file` connector) is configured iff this is set. */
  SEPA_SFTP_HOST: z.string().default(""),
  SEPA_SFTP_PORT: int(1, 65535).default(22),
  SEPA_SFTP_USER: z.string().default(""),
  /** Private key (OpenSSH or PEM) to log in with; or SEPA_SFTP_PASSWORD. */
  SEPA_SFTP_KEY_FILE: z.string().default(""),
  SEPA_SFTP_PASSWORD: z.string().default(""),
  /** The server's host key fingerprint as `ssh-keygen -l -E sha256` prints it (`SHA256:…`). */
  SEPA_SFTP_HOST_KEY: z.string().default("").refine(
    (value) => value === "" || /^SHA256:[A-Za-z0-9+/]{43}=?$/.test(value.trim()),
    "must be a SHA256 fingerprint as ssh-keygen -l -E sha256 prints it (SHA256:<43 characters>)",
  ),
  /** Accept any host key (tests only): without a pinned key anyone on the path is the bank. */
  SEPA_SFTP_INSECURE_ANY_HOST_KEY: bool(false),
  /** Where payment files go, and where the bank leaves its reports, on its server. */
  SEPA_SFTP_INBOUND_DIR: z.string().min(1).default("inbound"),
  SEPA_SFTP_OUTBOUND_DIR: z.string().min(1).default("outbound"),
  /** Our account, the debtor of every credit transfer. */
  SEPA_DEBTOR_NAME: z.string().default(""),
  SEPA_DEBTOR_IBAN: z.string().default(""),
  SEPA_DEBTOR_BIC: z.string().default(""),
  /** A file is built once its oldest payment waited this long (or it is full). */
  SEPA_CUTOFF_MS: int(0, 86_400_000).default(60_000),
  /** Credit transfers in one file at most; a full file is built at once. */
  SEPA_FILE_MAX_PAYMENTS: int(1, 100_000).default(1000),
  /** How often workers build due files, upload them and pick up the bank's reports. */
  SEPA_POLL_MS: int(100, 3_600_000).default(5000),
  /**
   * Test-only fault switch; never set it in production. `exit_before_enqueue` makes the API
   * exit abruptly (code 86) right after a payout's transaction commits, before its XADD;
   * `exit_after_connector_call` makes a worker exit so right after a connector answered,
   * before anything is recorded; `pause_after_connector_call` makes it freeze there instead
   * (printing `paused after a connector call`), for a test to kill it.
   */
  FAULT_INJECT: z.enum([
    "",
    "exit_before_enqueue",
    "exit_after_connector_call",
    "pause_after_connector_call",
  ]).default(""),
}).superRefine((config, ctx) => {
  // A job sleeping through a backoff must not look dead: the entry would be claimed by
  // another worker while this one still holds it.
  if (config.RETRY_MAX_MS >= config.CLAIM_IDLE_MS) {
    ctx.addIssue({
      code: "custom",
      path: ["RETRY_MAX_MS"],
      message: `must be less than CLAIM_IDLE_MS (${config.CLAIM_IDLE_MS})`,
    });
  }
  if (config.SEPA_SFTP_HOST !== "") checkSepa(config, ctx);
});

type Parsed = z.infer<typeof schema>;

// What SEPA needs once SEPA_SFTP_HOST is set, each missing or bad value named.
function checkSepa(config: Parsed, ctx: z.RefinementCtx): void {
  const problem = (name: keyof Parsed, message: string) =>
    ctx.addIssue({ code: "custom", path: [name], message });
  if (config.SEPA_SFTP_USER === "") problem("SEPA_SFTP_USER", "is required with SEPA_SFTP_HOST");
  if (config.SEPA_SFTP_KEY_FILE === "" && config.SEPA_SFTP_PASSWORD === "") {
    problem("SEPA_SFTP_KEY_FILE", "is required with SEPA_SFTP_HOST (or SEPA_SFTP_PASSWORD)");
  }
  if (config.SEPA_SFTP_HOST_KEY === "" && !config.SEPA_SFTP_INSECURE_ANY_HOST_KEY) {
    problem(
      "SEPA_SFTP_HOST_KEY",
      "is required with SEPA_SFTP_HOST: pin the bank's host key (SEPA_SFTP_INSECURE_ANY_HOST_KEY" +
        "=true accepts any, for tests only)",
    );
  }
  if (toSepaText(config.SEPA_DEBTOR_NAME, NAME_MAX_LENGTH) === "") {
    problem("SEPA_DEBTOR_NAME", "is required with SEPA_SFTP_HOST: our account holder's name");
  }
  const iban = config.SEPA_DEBTOR_IBAN;
  if (!isValidIBAN(iban) || !isSEPACountry(iban.slice(0, 2))) {
    problem(
      "SEPA_DEBTOR_IBAN",
      "must be our account's IBAN in a SEPA country, electronic format (no spaces)",
    );
  }
  if (!isValidBIC(config.SEPA_DEBTOR_BIC)) {
    problem("SEPA_DEBTOR_BIC", "must be our bank's BIC (8 or 11 characters)");
  }
}

export type Config = Parsed & {
  /** The routing rules in force: ROUTING_RULES, ROUTING_FILE's, or the defaults. */
  routingRules: readonly RoutingRule[];
  /** Where Redis clients connect: REDIS_URL, or through REDIS_SENTINELS. */
  redis: RedisTarget;
};

/** Whether the `sepa_file` connector is configured (SEPA_SFTP_HOST is set). */
export function sepaConfigured(config: Pick<Parsed, "SEPA_SFTP_HOST">): boolean {
  return config.SEPA_SFTP_HOST !== "";
}

/** The environment variables the service reads. */
export const CONFIG_KEYS: readonly string[] = Object.keys(schema.shape);
const SEPA_KEYS = CONFIG_KEYS.filter((key) => key.startsWith("SEPA_") && key !== "SEPA_SFTP_HOST");
const SENTINEL_KEYS = CONFIG_KEYS.filter((key) =>
  key.startsWith("REDIS_") && !["REDIS_URL", "REDIS_SENTINELS"].includes(key)
);

export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Parses the configuration from an environment map. Empty values count as unset so that
 * `FOO=` in an .env file falls back to the default. Throws ConfigError naming the first bad
 * variable.
 */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const input: Record<string, string> = {};
  for (const key of CONFIG_KEYS) {
    const value = env[key];
    if (value !== undefined && value !== "") input[key] = value;
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const name = String(issue.path[0]);
    // URLs, tokens and passwords may be or carry credentials: name them, never echo them;
    // routing rules are long, and the message says which rule is at fault.
    const shown = /URL|TOKEN|PASSWORD|ROUTING_RULES/.test(name)
      ? ""
      : `=${JSON.stringify(env[name] ?? "")}`;
    throw new ConfigError(`invalid ${name}${shown}: ${issue.message}`);
  }
  const config = result.data;
  if (!sepaConfigured(config)) {
    // A SEPA setting without the server is a typo or a half-done set-up, never what was meant.
    const stray = SEPA_KEYS.find((key) => key in input);
    if (stray) {
      throw new ConfigError(`invalid ${stray}: SEPA_SFTP_HOST is not set, so SEPA is off`);
    }
  }
  return { ...config, routingRules: routingRulesOf(config), redis: redisTargetOf(config, input) };
}

// Where every Redis client connects: REDIS_URL, or the master the sentinels name.
function redisTargetOf(config: Parsed, set: Record<string, string>): RedisTarget {
  if (config.REDIS_SENTINELS.length === 0) {
    const stray = SENTINEL_KEYS.find((key) => key in set);
    if (stray) throw new ConfigError(`invalid ${stray}: REDIS_SENTINELS is not set`);
    return config.REDIS_URL;
  }
  if ("REDIS_URL" in set) {
    throw new ConfigError("invalid REDIS_URL: set REDIS_URL or REDIS_SENTINELS, not both");
  }
  if (config.REDIS_SENTINEL_MASTER === "") {
    throw new ConfigError("invalid REDIS_SENTINEL_MASTER: is required with REDIS_SENTINELS");
  }
  return {
    sentinels: config.REDIS_SENTINELS,
    master: config.REDIS_SENTINEL_MASTER,
    db: config.REDIS_SENTINEL_DB,
    password: config.REDIS_PASSWORD,
    sentinelPassword: config.REDIS_SENTINEL_PASSWORD,
  };
}

// The rules in force, checked against the connectors this configuration has.
function routingRulesOf(config: Parsed): readonly RoutingRule[] {
  if (config.ROUTING_RULES !== "" && config.ROUTING_FILE !== "") {
    throw new ConfigError("invalid ROUTING_FILE: set ROUTING_RULES or ROUTING_FILE, not both");
  }
  const name = config.ROUTING_FILE !== "" ? "ROUTING_FILE" : "ROUTING_RULES";
  let text = config.ROUTING_RULES;
  if (config.ROUTING_FILE !== "") {
    try {
      text = Deno.readTextFileSync(config.ROUTING_FILE);
    } catch (error) {
      throw new ConfigError(
        `invalid ROUTING_FILE=${JSON.stringify(config.ROUTING_FILE)}: cannot read it (${
          (error as Error).name
        })`,
      );
    }
  }
  const sepa = sepaConfigured(config);
  try {
    const rules = text.trim() === "" ? defaultRules(sepa) : parseRoutingRules(text);
    const enabled = new Set([SIMULATED.name, ...(sepa ? [SEPA_FILE.name] : [])]);
    checkRouting(rules, CONNECTOR_CATALOG, enabled, {
      [SEPA_FILE.name]: "SEPA is off: set SEPA_SFTP_HOST and the other SEPA_ variables",
    });
    return rules;
  } catch (error) {
    if (!(error instanceof RoutingError)) throw error;
    throw new ConfigError(`invalid ${name}: ${error.message}`);
  }
}

/** Reads the configuration from the process environment or exits with one clear line. */
export function loadConfigOrExit(program: string): Config {
  try {
    return parseConfig(Deno.env.toObject());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`${program}: ${error.message}`);
    Deno.exit(1);
  }
}
