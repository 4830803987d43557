/**
 * Child processes of the benchmark: the API, the workers, the load generators and the raw
 * measurements. Output is drained continuously (a full pipe would stall a logging
 * service) and counted, and every live child is known so an interrupted run can end them.
 */

const ROOT = new URL("../", import.meta.url).pathname;
const DENO_PERMISSIONS = ["--allow-net", "--allow-env", "--allow-read", "--allow-sys"];
const TAIL_BYTES = 16_384;
const STDOUT_LIMIT = 1_048_576;

export interface Child {
  name: string;
  pid: number;
  /** Bytes written to stderr so far (the services' log volume). */
  stderrBytes(): number;
  /** Lines written to stderr so far. */
  stderrLines(): number;
  /** The last few KB of stderr, for error messages. */
  tail(): string;
  /** Everything written to stdout so far (up to 1 MB). */
  stdout(): string;
  /** Resolves with the first stdout line starting with `prefix` (without it). */
  line(prefix: string, timeoutMs: number): Promise<string>;
  /** Writes to the child's stdin (children started with `stdin: true`). */
  send(text: string): Promise<void>;
  /** Sends `signal`, then SIGKILL if it has not exited after `graceMs`. */
  stop(signal?: Deno.Signal, graceMs?: number): Promise<Deno.CommandStatus>;
  status: Promise<Deno.CommandStatus>;
}

const live = new Set<Child>();

export interface SpawnOptions {
  env?: Record<string, string>;
  stdin?: boolean;
  /** Where it runs: this repository's root unless given (a baseline runs from its checkout). */
  cwd?: string;
}

/** Starts `command` with `args` from the repository root (or `options.cwd`). */
export function spawnChild(
  name: string,
  command: string,
  args: string[],
  options: SpawnOptions = {},
): Child {
  const process = new Deno.Command(command, {
    args,
    cwd: options.cwd ?? ROOT,
    env: { NO_COLOR: "1", ...options.env },
    stdin: options.stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let stdout = "";
  let errBytes = 0;
  let errLines = 0;
  let tail = "";
  const waiters = new Set<() => void>();
  const decoder = new TextDecoder();
  const readOut = async () => {
    const stream = process.stdout.pipeThrough(new TextDecoderStream());
    for await (const text of stream) {
      if (stdout.length < STDOUT_LIMIT) stdout += text;
      tail = (tail + text).slice(-TAIL_BYTES);
      for (const wake of waiters) wake();
    }
  };
  const readErr = async () => {
    for await (const chunk of process.stderr) {
      errBytes += chunk.byteLength;
      for (const byte of chunk) if (byte === 10) errLines++;
      tail = (tail + decoder.decode(chunk, { stream: true })).slice(-TAIL_BYTES);
    }
  };
  const drained = Promise.all([readOut(), readErr()]);
  const writer = options.stdin ? process.stdin.getWriter() : undefined;
  const status = process.status.then(async (result) => {
    await drained;
    await writer?.close().catch(() => {});
    live.delete(child);
    for (const wake of waiters) wake();
    return result;
  });
  let exited = false;
  status.then(() => exited = true);

  const child: Child = {
    name,
    pid: process.pid,
    stderrBytes: () => errBytes,
    stderrLines: () => errLines,
    tail: () => tail,
    stdout: () => stdout,
    status,
    line(prefix, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = stdout.split("\n").find((line) => line.startsWith(prefix));
          if (found !== undefined && stdout.includes(found + "\n")) {
            finish();
            resolve(found.slice(prefix.length));
          } else if (exited) {
            finish();
            reject(new Error(`${name} exited before printing ${prefix.trim()}:\n${tail}`));
          } else if (Date.now() > deadline) {
            finish();
            reject(
              new Error(`${name} did not print ${prefix.trim()} in ${timeoutMs} ms:\n${tail}`),
            );
          }
        };
        const timer = setInterval(check, 250);
        const finish = () => {
          clearInterval(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async send(text) {
      if (!writer) throw new Error(`${name} was started without stdin`);
      await writer.write(new TextEncoder().encode(text));
    },
    async stop(signal = "SIGTERM", graceMs = 15_000) {
      if (!exited) {
        try {
          process.kill(signal);
        } catch {
          // exited meanwhile
        }
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const killed = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          try {
            process.kill("SIGKILL");
          } catch {
            // exited meanwhile
          }
          resolve();
        }, graceMs);
      });
      await Promise.race([status, killed]);
      clearTimeout(timer);
      return await status;
    },
  };
  live.add(child);
  return child;
}

/** Starts a Deno script of this repository (an entrypoint or a benchmark child). */
export function spawnDeno(
  name: string,
  script: string,
  args: string[] = [],
  options: SpawnOptions = {},
): Child {
  return spawnChild(name, Deno.execPath(), ["run", ...DENO_PERMISSIONS, script, ...args], options);
}

/**
 * The arguments `deno task NAME` passes to deno (e.g. `run --allow-net ... main.ts`), read
 * from the deno.json in `root` (this repository's by default), so the benchmark runs the
 * service exactly as production does (V8 flags included) while still owning the process
 * it measures.
 */
export function taskArgs(task: string, root: string = ROOT): string[] {
  const config = JSON.parse(Deno.readTextFileSync(`${root.replace(/\/$/, "")}/deno.json`));
  const command = String(config.tasks?.[task] ?? "");
  const [program, ...args] = command.split(/\s+/).filter(Boolean);
  if (program !== "deno" || args[0] !== "run") {
    throw new Error(`deno.json task ${task} is not a "deno run" command: ${command}`);
  }
  return args;
}

/**
 * Starts `deno task NAME`'s command directly (see taskArgs), from `options.cwd` with that
 * directory's deno.json, so each checkout runs its own entrypoints.
 */
export function spawnTask(
  name: string,
  task: string,
  options: SpawnOptions = {},
  extraArgs: string[] = [],
): Child {
  return spawnChild(
    name,
    Deno.execPath(),
    [...taskArgs(task, options.cwd), ...extraArgs],
    options,
  );
}

/**
 * Runs `deno task NAME [args]` from `options.cwd` to completion, as a tracked child (so an
 * interrupt ends it too); returns its stdout, fails with its output unless it exits 0.
 */
export async function runTask(
  task: string,
  args: string[],
  options: SpawnOptions & { cwd: string },
): Promise<string> {
  const child = spawnTask(task, task, options, args);
  await expectSuccess(child);
  return child.stdout();
}

/** Kills every child still running (after a failure or an interrupt). */
export async function killAll(): Promise<void> {
  await Promise.all([...live].map((child) => child.stop("SIGKILL", 5000)));
}

/** Waits for a child to exit and fails, with its output, unless it exited 0. */
export async function expectSuccess(child: Child): Promise<void> {
  const { code, signal } = await child.status;
  if (code !== 0) {
    throw new Error(`${child.name} exited with ${signal ?? code}:\n${child.tail()}`);
  }
}
