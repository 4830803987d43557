/**
 * A third-party server (pgbouncer, haproxy, redis-sentinel…) run as a child process in the
 * foreground, for the tests that start a topology: started and waited for until it answers,
 * stopped (a crash by default) and started again on the same ports, its output kept.
 */
import { captureOutput, type ChildProcess } from "./processes.ts";
import { waitFor } from "./wait.ts";

export interface DaemonSpec {
  /** What the errors call it. */
  name: string;
  command: string;
  args: string[];
  /** Resolves true once the server answers; polled after each start. */
  ready(): Promise<boolean>;
  /** How long a start may take to answer (default 15 s). */
  startTimeoutMs?: number;
  /** Its throwaway config directory, removed by `close()` (or a failed first start). */
  dir?: string;
}

export interface Daemon {
  readonly running: boolean;
  /** Everything the current (or last) run wrote to stdout and stderr. */
  output(): string;
  /** Starts it (again) and waits until `ready()`. */
  start(): Promise<void>;
  /** Sends `signal` (SIGKILL by default: a crash) and waits until it has exited. */
  stop(signal?: Deno.Signal): Promise<Deno.CommandStatus | undefined>;
  /** Stops it if it runs; for `finally`. */
  close(): Promise<void>;
}

/** Whether `command` is installed (an absolute path, or a name found on PATH). */
export function installed(command: string): boolean {
  const dirs = command.includes("/") ? [""] : (Deno.env.get("PATH") ?? "").split(":");
  return dirs.some((dir) => {
    try {
      return Deno.statSync(dir ? `${dir}/${command}` : command).isFile;
    } catch {
      return false;
    }
  });
}

/** Starts the daemon and waits until it answers. */
export async function startDaemon(spec: DaemonSpec): Promise<Daemon> {
  let child: Pick<ChildProcess, "output" | "status"> & { process: Deno.ChildProcess } | undefined;
  let last = () => "";
  const stop = async (signal: Deno.Signal = "SIGKILL") => {
    if (!child) return undefined;
    const { process, status } = child;
    child = undefined;
    try {
      process.kill(signal);
    } catch {
      // already exited
    }
    return await status;
  };
  const start = async () => {
    if (child) throw new Error(`${spec.name} is already running`);
    const process = new Deno.Command(spec.command, {
      args: spec.args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const captured = captureOutput(process);
    child = { process, ...captured };
    last = captured.output;
    const exited = captured.status.then((status) => status);
    let gone: Deno.CommandStatus | undefined;
    exited.then((status) => gone = status);
    await waitFor(async () => gone !== undefined || await spec.ready(), {
      timeoutMs: spec.startTimeoutMs ?? 15_000,
      intervalMs: 100,
      message: `${spec.name} to answer\n${last()}`,
    });
    if (gone) throw new Error(`${spec.name} exited with ${gone.code}: ${last()}`);
  };
  const removeDir = async () => {
    if (spec.dir) await Deno.remove(spec.dir, { recursive: true });
  };
  await start().catch(async (error) => {
    await stop();
    await removeDir();
    throw error;
  });
  return {
    get running() {
      return child !== undefined;
    },
    output: () => last(),
    start,
    stop,
    close: async () => {
      await stop();
      await removeDir();
    },
  };
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export async function accepts(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

/** A fresh temporary directory every user can read: daemons that drop root read their config there. */
export async function daemonDir(prefix: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix });
  await Deno.chmod(dir, 0o755);
  return dir;
}
