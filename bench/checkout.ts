/**
 * The versions under comparison: HEAD is the working tree itself; a baseline is built in a
 * temporary `git worktree` at its revision, with its own dependencies installed from its
 * own lockfile, and removed at the end.
 */
const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");

export interface Checkout {
  /** The directory its entrypoints, tasks and migrations run from. */
  dir: string;
  /** What was asked for (`623ea3d`, `HEAD`), and the commit it names. */
  rev: string;
  commit: string;
  /** Whether uncommitted changes are part of it (only ever the working tree). */
  dirty: boolean;
  /** Deletes the checkout (a no-op for the working tree). Safe to call twice. */
  remove(): Promise<void>;
}

async function run(command: string, args: string[], cwd: string): Promise<string> {
  const output = await new Deno.Command(command, {
    args,
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const decoder = new TextDecoder();
  if (output.code !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} failed in ${cwd}:\n${decoder.decode(output.stderr).trim()}`,
    );
  }
  return decoder.decode(output.stdout).trim();
}

/** The working tree, as HEAD: what the other engineers' changes are measured in. */
export async function workingTree(): Promise<Checkout> {
  const commit = await run("git", ["rev-parse", "HEAD"], ROOT);
  const status = await run("git", ["status", "--porcelain", "--untracked-files=no"], ROOT);
  return { dir: ROOT, rev: "HEAD", commit, dirty: status !== "", remove: async () => {} };
}

/**
 * Checks `rev` out into a fresh temporary directory (`git worktree add --detach`) and
 * installs its dependencies there (`deno install --frozen`). The worktree is removed again
 * if the install fails.
 */
export async function checkoutRevision(rev: string): Promise<Checkout> {
  const commit = await run("git", ["rev-parse", "--verify", `${rev}^{commit}`], ROOT);
  const dir = await Deno.makeTempDir({ prefix: "payouts-bench-baseline-" });
  let removed = false;
  const remove = async () => {
    if (removed) return;
    removed = true;
    // --force: the install may have left untracked files behind.
    await run("git", ["worktree", "remove", "--force", dir], ROOT).catch(() => {});
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await run("git", ["worktree", "prune"], ROOT).catch(() => {});
  };
  try {
    await run("git", ["worktree", "add", "--detach", dir, commit], ROOT);
    await run(Deno.execPath(), ["install", "--frozen"], dir);
  } catch (error) {
    await remove();
    throw error;
  }
  return { dir, rev, commit, dirty: false, remove };
}
