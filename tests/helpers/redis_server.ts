/**
 * A private `redis-server` child process for tests that must stop and restart Redis without
 * touching the shared one. It keeps nothing on disk: a restart comes back empty, like a
 * Redis without persistence that crashed.
 */
import { Redis } from "ioredis";
import { freePort } from "./processes.ts";
import { waitFor } from "./wait.ts";

export interface RedisServer {
  port: number;
  /** `redis://127.0.0.1:<port>/0`. */
  url: string;
  /** Whether the server process is running. */
  readonly running: boolean;
  /** Kills the server (SIGKILL by default: a crash) and waits until it has exited. */
  stop(signal?: Deno.Signal): Promise<void>;
  /** Starts the server again on the same port, empty, and waits until it answers PING. */
  start(): Promise<void>;
  /** Stops the server if it runs; call it in `finally`. */
  close(): Promise<void>;
}

/** Starts a private, empty redis-server on a free port and waits until it answers PING. */
export async function startRedisServer(): Promise<RedisServer> {
  const port = freePort();
  const url = `redis://127.0.0.1:${port}/0`;
  let child: { process: Deno.ChildProcess; status: Promise<Deno.CommandStatus> } | undefined;

  const start = async () => {
    if (child) throw new Error("redis-server is already running");
    const process = new Deno.Command("redis-server", {
      args: [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
        "--loglevel",
        "warning",
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    child = { process, status: process.status };
    await waitFor(() => ping(url), {
      timeoutMs: 10_000,
      message: `redis-server on port ${port} to answer PING`,
    });
  };

  const stop = async (signal: Deno.Signal = "SIGKILL") => {
    if (!child) return;
    const { process, status } = child;
    child = undefined;
    try {
      process.kill(signal);
    } catch {
      // already exited
    }
    await status;
  };

  await start();
  return {
    port,
    url,
    get running() {
      return child !== undefined;
    },
    stop,
    start,
    close: () => stop(),
  };
}

/** One PING on a short-lived connection; false while the server does not answer. */
async function ping(url: string): Promise<boolean> {
  try {
    return (await commandOnce(url, "PING")) === "PONG";
  } catch {
    return false;
  }
}

/** One command on a short-lived connection to `url`; throws if the server does not answer. */
export async function commandOnce(
  url: string,
  command: string,
  ...args: string[]
): Promise<unknown> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    // Sentinels too: they answer commands, not the ready check's expectations.
    enableReadyCheck: false,
    retryStrategy: () => null,
    connectTimeout: 1000,
  });
  client.on("error", () => {});
  try {
    await client.connect();
    return await client.call(command, ...args);
  } finally {
    client.disconnect();
  }
}
