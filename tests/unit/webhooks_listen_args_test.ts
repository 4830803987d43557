import assert from "node:assert/strict";
import { PAYOUT_EVENT_TYPES } from "../../src/events/event_types.ts";
import { parseArgs } from "../../scripts/webhooks/listen_args.ts";

Deno.test("webhooks listen: every event and no forwarding by default", () => {
  assert.deepEqual(parseArgs(["listen"]), { name: "listen", forwardTo: null, events: ["*"] });
});

Deno.test("webhooks listen: --events lists and repeats, --forward-to takes a URL, both with = too", () => {
  assert.deepEqual(
    parseArgs([
      "listen",
      "--events",
      "payout.created,payout.completed",
      "--events=payout.failed",
      "--forward-to=http://localhost:3000/hooks",
      "--events",
      "payout.created",
    ]),
    {
      name: "listen",
      forwardTo: "http://localhost:3000/hooks",
      events: ["payout.created", "payout.completed", "payout.failed"],
    },
  );
  assert.deepEqual(parseArgs(["listen", "--events", PAYOUT_EVENT_TYPES.join(",")]), {
    name: "listen",
    forwardTo: null,
    events: [...PAYOUT_EVENT_TYPES],
  });
});

Deno.test("webhooks listen: bad usage is one line naming what is wrong", () => {
  const cases: [string[], RegExp][] = [
    [[], /^missing command: listen$/],
    [["forward"], /^unknown command: forward$/],
    [["listen", "--events"], /^--events needs a comma-separated list/],
    [["listen", "--events", "payout.created,payout.paid"], /^unknown event type: "payout\.paid"/],
    [["listen", "--events", "*"], /^unknown event type: "\*"/],
    [["listen", "--events", "webhook.test"], /^unknown event type/],
    [["listen", "--forward-to"], /^--forward-to needs a URL$/],
    [["listen", "--forward-to", "localhost:3000"], /^--forward-to must be an http or https URL$/],
    [["listen", "--forward-to", "not a url"], /^--forward-to must be an absolute URL$/],
    [["listen", "--forward-to", "http://a/", "--forward-to", "http://b/"], /given once/],
    [["listen", "--port", "4000"], /^unexpected argument: --port$/],
  ];
  for (const [args, expected] of cases) {
    const result = parseArgs(args);
    assert.equal(typeof result, "string", args.join(" "));
    assert.match(result as string, expected, args.join(" "));
    assert.doesNotMatch(result as string, /\n/);
  }
});
