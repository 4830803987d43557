/** Structured logging: one JSON object per line, or a readable line for local work. */

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds these fields to every line. */
  child(fields: LogFields): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  level: LogLevel;
  format?: "json" | "pretty";
  /**
   * Where lines go; by default stderr (stdout stays free for command output), buffered:
   * lines of one moment go out in one write, and warnings and errors flush at once.
   */
  write?: (line: string, urgent: boolean) => void;
}

const encoder = new TextEncoder();
const FLUSH_AFTER_MS = 10;
const FLUSH_AT_BYTES = 64 * 1024;
let pending: string[] = [];
let pendingBytes = 0;
let flushTimer: ReturnType<typeof setTimeout> | undefined;

/** Writes buffered log lines now. Called on exit; safe to call any time. */
export function flushLogs(): void {
  clearTimeout(flushTimer);
  flushTimer = undefined;
  if (pending.length === 0) return;
  const text = pending.join("\n") + "\n";
  pending = [];
  pendingBytes = 0;
  const bytes = encoder.encode(text);
  for (let written = 0; written < bytes.length;) {
    written += Deno.stderr.writeSync(bytes.subarray(written));
  }
}

let flushOnExit = false;

function writeStderr(line: string, urgent: boolean): void {
  if (!flushOnExit) {
    flushOnExit = true;
    globalThis.addEventListener("unload", flushLogs);
  }
  pending.push(line);
  pendingBytes += line.length + 1;
  if (urgent || pendingBytes >= FLUSH_AT_BYTES) flushLogs();
  else flushTimer ??= setTimeout(flushLogs, FLUSH_AFTER_MS);
}

/** Creates a logger that drops lines below `level`. */
export function createLogger(options: LoggerOptions, bindings: LogFields = {}): Logger {
  const min = RANK[options.level];
  const write = options.write ?? writeStderr;
  const emit = (level: LogLevel, message: string, fields?: LogFields) => {
    if (RANK[level] < min) return;
    const record = { time: new Date().toISOString(), level, msg: message, ...bindings, ...fields };
    const line = options.format === "pretty" ? pretty(record) : JSON.stringify(record, replacer);
    write(line, RANK[level] >= RANK.warn);
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => createLogger(options, { ...bindings, ...fields }),
  };
}

/** A logger that writes nothing, for tests that do not look at logs. */
export const silentLogger: Logger = createLogger({ level: "error", write: () => {} });

function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (typeof value === "bigint") return value.toString();
  return value;
}

function pretty(record: Record<string, unknown>): string {
  const { time, level, msg, ...rest } = record;
  const extras = Object.entries(rest)
    .map(([key, value]) =>
      `${key}=${typeof value === "string" ? value : JSON.stringify(value, replacer)}`
    )
    .join(" ");
  return `${String(time).slice(11, 23)} ${String(level).toUpperCase().padEnd(5)} ${msg}${
    extras ? " " + extras : ""
  }`;
}
