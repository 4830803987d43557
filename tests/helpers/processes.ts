/** Real API and worker processes for end-to-end and crash tests. */
import { TEST_REDIS_URL } from "./redis.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const PERMISSIONS = ["--allow-net", "--allow-env", "--allow-read", "--allow-sys"];

export interface ChildProcess {
  process: Deno.ChildProcess;
  /** Everything the process wrote to stderr and stdout so far. */
  output(): string;
  /** Sends a signal and waits for the exit status. */
  stop(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
  /** Waits for the exit status. */
  status: Promise<Deno.CommandStatus>;
}

/** Starts `main.ts` or `worker.ts` with the given environment (merged over safe defaults). */
export function spawnEntrypoint(
  entrypoint: "main.ts" | "worker.ts",
  env: Record<string, string>,
): ChildProcess {
  return spawnDeno(["run", ...PERMISSIONS, entrypoint], env);
}

/**
 * Starts `deno <args>` from the repo root (a task's arguments, say) with the environment
 * spawnEntrypoint gives; its output is captured.
 */
export function spawnDeno(args: string[], env: Record<string, string>): ChildProcess {
  const command = new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    // Metrics servers off unless a test asks: several workers run side by side.
    env: {
      REDIS_URL: TEST_REDIS_URL,
      LOG_LEVEL: "info",
      NO_COLOR: "1",
      WORKER_METRICS_PORT: "0",
      ...env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
  const process = command.spawn();
  const { output, status } = captureOutput(process);
  return {
    process,
    output,
    status,
    async stop(signal: Deno.Signal = "SIGTERM") {
      try {
        process.kill(signal);
      } catch {
        // already exited
      }
      return await status;
    },
  };
}

/**
 * Drains a spawned process's piped stdout and stderr into one text, so a chatty child never
 * blocks on a full pipe. `status` resolves once the process exited and both are drained.
 */
export function captureOutput(
  process: Deno.ChildProcess,
): Pick<ChildProcess, "output" | "status"> {
  let text = "";
  const decoder = new TextDecoder();
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  };
  const drained = Promise.all([drain(process.stdout), drain(process.stderr)]);
  const status = process.status.then(async (result) => {
    await drained;
    return result;
  });
  return { output: () => text, status };
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}
