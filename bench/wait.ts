/** Waiting on a condition with a deadline. */
import type { Child } from "./processes.ts";

export interface WaitOptions {
  timeoutMs: number;
  message: string;
  intervalMs?: number;
  /** A child whose output explains a timeout. */
  child?: Child;
}

/** Polls `check` until it returns true; throws once the deadline passes. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  options: WaitOptions,
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let last = "";
  while (true) {
    try {
      if (await check()) return;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) {
      const output = options.child
        ? `\n${options.child.name} output:\n${options.child.tail()}`
        : "";
      throw new Error(
        `timed out waiting for ${options.message}${last ? ` (${last})` : ""}${output}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
}
