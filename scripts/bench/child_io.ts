/**
 * The protocol between the benchmark and its child processes: settings as JSON in the
 * first argument, `READY` on stdout once warmed up, `go` on stdin to start (so start-up
 * and connection set-up are never timed), and one `RESULT <json>` line at the end.
 */

export const READY = "READY";
export const RESULT = "RESULT ";

/** The settings the parent passed. */
export function childSettings<T>(): T {
  return JSON.parse(Deno.args[0]) as T;
}

/** Announces readiness and waits for the parent's go. */
export async function readyThenWaitForGo(): Promise<void> {
  console.log(READY);
  const reader = Deno.stdin.readable.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("stdin closed before go");
    text += decoder.decode(value, { stream: true });
  }
  reader.releaseLock();
}

/** Reports the child's result to the parent. */
export function report(result: unknown): void {
  console.log(RESULT + JSON.stringify(result));
}
