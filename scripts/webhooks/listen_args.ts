/** The arguments of `deno task webhooks listen`, parsed and checked without I/O. */
import { PAYOUT_EVENT_TYPES } from "../../src/events/event_types.ts";
import { urlFormProblem } from "../../src/webhooks/url_guard.ts";

export const USAGE = "usage: deno task webhooks listen [--forward-to URL] [--events a,b ...]";

export interface ListenCommand {
  name: "listen";
  /** Where each message is sent on, with its headers; none: only printed. */
  forwardTo: string | null;
  /** Event types to subscribe to, or `["*"]` for all of them. */
  events: string[];
}

/** Parses the arguments, or returns the one-line complaint for bad usage. */
export function parseArgs(args: string[]): ListenCommand | string {
  const [name, ...rest] = args;
  if (name !== "listen") return name ? `unknown command: ${name}` : "missing command: listen";
  let forwardTo: string | null = null;
  const events = new Set<string>();
  for (let i = 0; i < rest.length; i++) {
    const [flag, inline] = splitFlag(rest[i]);
    if (flag !== "--forward-to" && flag !== "--events") return `unexpected argument: ${rest[i]}`;
    const value = inline ?? rest[++i];
    if (value === undefined || value === "") {
      return flag === "--events"
        ? "--events needs a comma-separated list of event types"
        : "--forward-to needs a URL";
    }
    if (flag === "--forward-to") {
      if (forwardTo !== null) return "--forward-to may be given once";
      const problem = urlFormProblem(value, { allowHttp: true, allowPrivate: true });
      if (problem) return `--forward-to ${problem}`;
      forwardTo = new URL(value).href;
      continue;
    }
    for (const type of value.split(",").map((part) => part.trim())) {
      if (!(PAYOUT_EVENT_TYPES as readonly string[]).includes(type)) {
        return `unknown event type: ${JSON.stringify(type)} (known: ${
          PAYOUT_EVENT_TYPES.join(", ")
        })`;
      }
      events.add(type);
    }
  }
  return { name, forwardTo, events: events.size === 0 ? ["*"] : [...events] };
}

/** `--flag=value` → [flag, value]; `--flag` → [flag, undefined]. */
function splitFlag(arg: string): [string, string | undefined] {
  const equals = arg.indexOf("=");
  return arg.startsWith("--") && equals > 0
    ? [arg.slice(0, equals), arg.slice(equals + 1)]
    : [arg, undefined];
}
