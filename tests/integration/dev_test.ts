import assert from "node:assert/strict";
import { dropDatabase, testDatabaseUrl, uniqueDatabaseName } from "../helpers/database.ts";
import { captureOutput, freePort } from "../helpers/processes.ts";
import { createTestStreams, streamEnv, TEST_REDIS_URL } from "../helpers/redis.ts";
import { waitFor } from "../helpers/wait.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

interface Dev {
  process: Deno.ChildProcess;
  output(): string;
  status: Promise<Deno.CommandStatus>;
}

/** Starts `deno task dev`'s command line (read from deno.json) on its own database. */
async function startDev(env: Record<string, string>): Promise<Dev> {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  const [deno, ...args] = String(config.tasks.dev).split(/\s+/);
  assert.equal(deno, "deno");
  const process = new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env: { NO_COLOR: "1", REDIS_URL: TEST_REDIS_URL, WORKER_METRICS_PORT: "0", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  return { process, ...captureOutput(process) };
}

/** The pids of a process's direct children. */
async function childPids(pid: number): Promise<number[]> {
  const { stdout } = await new Deno.Command("ps", { args: ["-o", "pid=", "--ppid", String(pid)] })
    .output();
  return new TextDecoder().decode(stdout).split("\n").map((s) => s.trim()).filter(Boolean)
    .map(Number);
}

function portIsFree(port: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    return true;
  } catch {
    return false;
  }
}

async function stopDev(dev: Dev): Promise<void> {
  // Never leave watchers behind: kill the children first, then dev itself.
  for (const pid of await childPids(dev.process.pid).catch(() => [])) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch {
      // gone already
    }
  }
  try {
    dev.process.kill("SIGKILL");
  } catch {
    // gone already
  }
  await dev.status;
}

async function withDev(fn: (dev: Dev, port: number) => Promise<void>): Promise<void> {
  const name = uniqueDatabaseName();
  const streams = createTestStreams();
  const port = freePort();
  const dev = await startDev({
    // Not created yet: dev's migrate step creates it.
    DATABASE_URL: testDatabaseUrl(name),
    PORT: String(port),
    HOST: "127.0.0.1",
    ...streamEnv(streams.names),
  });
  try {
    await fn(dev, port);
  } finally {
    await stopDev(dev);
    await streams.cleanup();
    await dropDatabase(name);
  }
}

async function waitUntilUp(dev: Dev, port: number): Promise<void> {
  try {
    await waitFor(() => /^\[worker\] .*worker started/m.test(dev.output()), {
      timeoutMs: 60_000,
      message: "the worker to start",
    });
    await waitFor(async () => {
      const response = await fetch(`http://127.0.0.1:${port}/health/`);
      await response.body?.cancel();
      return response.ok;
    }, { timeoutMs: 60_000, message: "the API to answer" });
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : error}\n${dev.output()}`);
  }
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.test(`dev migrates, runs the API and a worker with prefixed output, and stops both gracefully on ${signal}`, async () => {
    await withDev(async (dev, port) => {
      await waitUntilUp(dev, port);
      const output = dev.output();
      assert.match(output, /^\[migrate\] created database payouts_test_/m);
      assert.match(output, /^\[migrate\] applied 0001_payouts\.sql$/m);
      assert.match(output, /^\[api\] .*api listening/m);
      assert.match(output, /^\[dev\] webhooks: .*`deno task webhooks listen \[--forward-to URL\]/m);
      // LOG_FORMAT defaults to pretty for local work: no JSON lines.
      assert.doesNotMatch(output, /^\[(api|worker)\] \{/m);

      dev.process.kill(signal);
      const status = await dev.status;
      assert.equal(status.code, 0, dev.output());
      // Both programs ran their own shutdown to the end, not cut short by the watcher.
      assert.match(dev.output(), /^\[api\] .*api stopped/m);
      assert.match(dev.output(), /^\[worker\] .*worker stopped/m);
      assert.ok(portIsFree(port), "the API's port is free again");
    });
  });
}

Deno.test("dev stops the worker and exits non-zero when the API process dies", async () => {
  await withDev(async (dev, port) => {
    await waitUntilUp(dev, port);
    const children = await childPids(dev.process.pid);
    assert.equal(children.length, 2, `children of dev: ${children}`);
    const { stdout } = await new Deno.Command("ps", {
      args: ["-o", "pid=,args=", "--ppid", String(dev.process.pid)],
    }).output();
    const api = new TextDecoder().decode(stdout).split("\n")
      .find((line) => line.includes("main.ts"));
    assert.ok(api, "an API child process");
    Deno.kill(Number(api.trim().split(/\s+/)[0]), "SIGKILL");

    const status = await dev.status;
    assert.notEqual(status.code, 0);
    assert.match(dev.output(), /dev: api exited/);
    assert.match(dev.output(), /^\[worker\] .*worker stopped/m);
  });
});
