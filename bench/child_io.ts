/**
 * The protocol between the benchmark and its child processes: settings as JSON in the
 * first argument, `READY` on stdout once warmed up, `go` on stdin to start (so start-up
 * and connection set-up are never timed), one `RESULT <json>` line at the end, then `done`
 * on stdin before the child closes its connections (so the parent can still meter the
 * database sessions serving it).
 */

export const READY = "READY";
export const RESULT = "RESULT ";

/** The settings the parent passed. */
export function childSettings<T>(): T {
  return JSON.parse(Deno.args[0]) as T;
}

/** Waits for the next line from the parent. */
async function nextLine(what: string): Promise<void> {
  const reader = Deno.stdin.readable.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stdin closed before ${what}`);
    text += decoder.decode(value, { stream: true });
  }
  reader.releaseLock();
}

/** Announces readiness and waits for the parent's go. */
export async function readyThenWaitForGo(): Promise<void> {
  console.log(READY);
  await nextLine("go");
}

/** Reports the child's result to the parent and waits until the parent is done metering. */
export async function reportThenWaitForDone(result: unknown): Promise<void> {
  console.log(RESULT + JSON.stringify(result));
  await nextLine("done");
}
