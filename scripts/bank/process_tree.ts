/**
 * The processes a test started and every process they forked. A daemon such as sshd forks
 * one process per connection into a session of its own, so a signal to the parent's pid
 * (or its process group) leaves open connections running. Read with `ps` (procps): Deno
 * lets only --allow-all read /proc.
 */

/** `pid` and all its living descendants, parents before children. */
export async function processTree(pid: number): Promise<number[]> {
  const listing = await new Deno.Command("ps", {
    args: ["-e", "-o", "pid=,ppid="],
    stdin: "null",
    stderr: "null",
  }).output();
  if (!listing.success) throw new Error("ps -e failed; the tests need procps");
  const children = new Map<number, number[]>();
  for (const line of new TextDecoder().decode(listing.stdout).split("\n")) {
    const [child, parent] = line.trim().split(/\s+/).map(Number);
    if (!child) continue;
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const tree: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift()!;
    tree.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return tree;
}

/** Sends `signal` to `pid` and every descendant; processes that already exited are skipped. */
export async function signalTree(pid: number, signal: Deno.Signal): Promise<void> {
  // Freeze the root first: stopped, it forks no child we would miss, and its children are
  // not re-parented away (as they would be if it died) while we list them.
  if (signal !== "SIGCONT") trySignal(pid, "SIGSTOP");
  for (const member of await processTree(pid)) trySignal(member, signal);
}

function trySignal(pid: number, signal: Deno.Signal): void {
  try {
    Deno.kill(pid, signal);
  } catch (error) {
    // Without --allow-run (all of it) nothing is signalled: say so rather than wait forever.
    if (error instanceof Deno.errors.NotCapable) throw error;
    // else it exited between the listing and the signal
  }
}
