/** Runs the repo's `scripts/*.ts` command-line tools as real processes. */

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
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...permissions, `scripts/${script}`, ...args],
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
