/**
 * Local development: applies migrations, then runs the API and one worker together, each
 * restarting when a file changes (`deno run --watch`).
 *
 *     deno task dev
 *
 * Each child's lines are prefixed with `[api] ` or `[worker] `; a `[dev] ` line says how to
 * watch webhooks locally (`deno task webhooks listen`). SIGINT, SIGTERM and SIGHUP
 * stop both (as SIGTERM, their graceful shutdown); the script exits once both have stopped:
 * 0 if they shut down cleanly, 1 otherwise, and 1 as soon as either child process dies on
 * its own (the other is stopped).
 *
 * @module
 */
import { loadConfigOrExit } from "../src/config.ts";
import { runMigrations } from "./migrate.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const PERMISSIONS = ["--allow-net", "--allow-env", "--allow-read", "--allow-sys"];
/** Beyond the children's own shutdown timeout, before they are killed. */
const KILL_GRACE_MS = 5000;

const encoder = new TextEncoder();
// Matching escape codes is the point: the watcher colours its status lines.
// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
// `deno run --watch` does not exit when the program does; it says so and waits for changes.
const WATCH_IDLE = /^Watcher Process (finished|failed)(?: with exit code (\d+))?/;
const WATCH_RUNNING = /^Watcher (Process started|Restarting)/;

interface Child {
  name: string;
  process: Deno.ChildProcess;
  /**
   * Resolves once no program runs inside the watcher (at once if none does now) or the
   * process is gone; true if the program last exited with 0.
   */
  whenIdle(): Promise<boolean>;
  status: Promise<Deno.CommandStatus>;
}

function spawnChild(name: string, entrypoint: string, env: Record<string, string>): Child {
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", "--watch", ...PERMISSIONS, entrypoint],
    cwd: ROOT,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    // Its own process group: a Ctrl-C in the terminal reaches only this script. The watcher
    // answers SIGINT by cutting its program's shutdown short; SIGTERM reaches the program.
    detached: true,
  }).spawn();
  // Undefined while a program runs; otherwise whether it exited cleanly.
  let idle: boolean | undefined;
  const waiters: ((clean: boolean) => void)[] = [];
  const settle = (clean: boolean) => {
    idle = clean;
    for (const wake of waiters.splice(0)) wake(clean);
  };
  const onLine = (line: string) => {
    const plain = line.replace(ANSI, "");
    const match = WATCH_IDLE.exec(plain);
    if (match) settle(match[1] === "finished" && (match[2] ?? "0") === "0");
    else if (WATCH_RUNNING.test(plain)) idle = undefined;
  };
  const piped = Promise.all([
    pipeLines(process.stdout, `[${name}] `, Deno.stdout, onLine),
    pipeLines(process.stderr, `[${name}] `, Deno.stderr, onLine),
  ]);
  const status = process.status.then(async (status) => {
    await piped;
    // Killed while a program ran: that program did not finish cleanly (unless it said so).
    settle(idle ?? status.success);
    return status;
  });
  const whenIdle = () =>
    idle !== undefined
      ? Promise.resolve(idle)
      : new Promise<boolean>((resolve) => waiters.push(resolve));
  return { name, process, whenIdle, status };
}

/** Copies a stream line by line with a prefix, so two children's lines never interleave. */
async function pipeLines(
  stream: ReadableStream<Uint8Array>,
  prefix: string,
  out: { writeSync(p: Uint8Array): number },
  onLine: (line: string) => void,
): Promise<void> {
  const writeAll = (bytes: Uint8Array) => {
    for (let offset = 0; offset < bytes.length;) offset += out.writeSync(bytes.subarray(offset));
  };
  let partial = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    const lines = (partial + chunk).split("\n");
    partial = lines.pop()!;
    for (const line of lines) {
      onLine(line);
      writeAll(encoder.encode(prefix + line + "\n"));
    }
  }
  if (partial) writeAll(encoder.encode(prefix + partial + "\n"));
}

function signal(child: Child, sig: Deno.Signal): void {
  try {
    child.process.kill(sig);
  } catch {
    // Already exited.
  }
}

/** Asks a child to stop and waits until its process is gone; true if the program exited 0. */
async function stopChild(child: Child, graceMs: number): Promise<boolean> {
  signal(child, "SIGTERM");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), graceMs);
  });
  const outcome = await Promise.race([child.whenIdle(), timedOut]);
  clearTimeout(timer);
  if (outcome === "timeout") {
    console.error(`dev: ${child.name} did not stop within ${graceMs} ms; killing it`);
    signal(child, "SIGKILL");
    await child.status;
    return false;
  }
  // The watcher outlives the program; with no program running, a signal ends it.
  signal(child, "SIGTERM");
  await child.status;
  return outcome;
}

if (import.meta.main) {
  const config = loadConfigOrExit("dev");
  try {
    const result = await runMigrations(
      config.DATABASE_URL,
      (msg) => console.log(`[migrate] ${msg}`),
    );
    console.log(
      `[migrate] ${result.applied.length} applied, ${result.alreadyApplied.length} already applied`,
    );
  } catch (error) {
    console.error(`dev: migrations failed: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }

  const env = Deno.env.toObject();
  if (!env.LOG_FORMAT) env.LOG_FORMAT = "pretty";
  const children = [
    spawnChild("api", "main.ts", env),
    spawnChild("worker", "worker.ts", env),
  ];
  const graceMs = config.SHUTDOWN_TIMEOUT_MS + KILL_GRACE_MS;
  console.log(
    "[dev] webhooks: in another terminal, `deno task webhooks listen [--forward-to URL] " +
      "[--events a,b]` prints each one sent here, signature verified, and forwards it",
  );

  let stopping: Promise<boolean> | undefined;
  let stopRequested: () => void = () => {};
  const stopRequest = new Promise<undefined>((resolve) => stopRequested = () => resolve(undefined));
  const stopAll = () => {
    stopRequested();
    return stopping ??= Promise.all(children.map((child) => stopChild(child, graceMs)))
      .then((clean) => clean.every(Boolean));
  };
  // The children are detached, so a closed terminal (SIGHUP) must stop them too.
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    Deno.addSignalListener(sig, () => void stopAll());
  }

  // A child process that ends by itself (not just its program, which the watcher restarts)
  // takes the other one down with it.
  const died = Promise.race(children.map(async (child) => ({ child, status: await child.status })));
  const first = await Promise.race([died, stopRequest]);
  if (first && !stopping) {
    console.error(`dev: ${first.child.name} exited with code ${first.status.code}; stopping`);
    await stopAll();
    Deno.exit(first.status.success ? 0 : 1);
  }
  Deno.exit(await stopAll() ? 0 : 1);
}
