/** Runs the repo's `scripts/*.ts` command-line tools as real processes. */

import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;

/** The permissions `deno task apikey`, `queue` and `migrate` grant. */
export const SCRIPT_PERMISSIONS = ["--allow-net", "--allow-env", "--allow-read"];

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `scripts/<script>` from the repo root with `args`, `env` merged over `NO_COLOR=1`
 * (and the inherited environment), and no stdin; waits for it to exit.
 */
export async function runScript(
  script: string,
  args: string[],
  env: Record<string, string> = {},
  permissions: string[] = SCRIPT_PERMISSIONS,
): Promise<CliResult> {
  return await runDeno(["run", ...permissions, `scripts/${script}`, ...args], env);
}

/**
 * Runs `deno <args>` from the repo root with `env` merged over `NO_COLOR=1` (and the
 * inherited environment), and no stdin; waits for it to exit and decodes its output.
 */
export async function runDeno(
  args: string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  const output = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/**
 * Runs an entrypoint (`main.ts`, `worker.ts`) as `deno task start`/`worker` would, minus the
 * V8 flags; its exit code and its non-empty stderr lines.
 */
export async function runEntrypoint(
  entrypoint: string,
  env: Record<string, string>,
): Promise<{ code: number; lines: string[] }> {
  const { code, stderr } = await runDeno(
    ["run", "--allow-net", "--allow-env", "--allow-read", "--allow-sys", entrypoint],
    env,
  );
  return { code, lines: stderr.split("\n").filter((line) => line !== "") };
}

/** `deno task <task>`'s arguments after `deno`, read from deno.json (so its permissions too). */
export async function taskArgs(task: string): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  const [deno, ...args] = String(config.tasks[task]).split(/\s+/);
  assert.equal(deno, "deno");
  return args;
}
