/**
 * End to end: `deno task webhooks listen` as a real process beside a real API and worker
 * (neither allows http or private webhook URLs). A payout created through the API reaches
 * the listener as payout.created, processing and completed, each printed as verified and
 * forwarded with its original headers to a receiver that verifies the signature with the
 * listener's secret; a second listener with `--events payout.completed` gets that type only;
 * a forward target that fails makes the worker retry. The API neither shows the listeners'
 * endpoints nor accepts a loopback one; SIGINT removes each endpoint with its messages.
 */
import assert from "node:assert/strict";
import { Webhook } from "standardwebhooks";
import { ApiKeyService } from "../../../src/apikeys/apikeys.service.ts";
import { withApiProcess } from "../../helpers/api_process.ts";
import { runDeno, taskArgs } from "../../helpers/cli.ts";
import { type ChildProcess, spawnDeno, spawnEntrypoint } from "../../helpers/processes.ts";
import { streamEnv } from "../../helpers/redis.ts";
import { waitFor } from "../../helpers/wait.ts";
import { startWebhookReceiver } from "../../helpers/webhook_receiver.ts";
import { DEADLINE_MS } from "./webhook_fixtures.ts";

interface Listener {
  process: ChildProcess;
  endpointId: string;
  secret: string;
}

/** Starts the CLI as `deno task webhooks` runs it and waits for its ready lines. */
async function startListener(databaseUrl: string, args: string[]): Promise<Listener> {
  const process = spawnDeno([...await taskArgs("webhooks"), "listen", ...args], {
    DATABASE_URL: databaseUrl,
  });
  const ready = await waitFor(() => {
    const output = process.output();
    const endpoint = /\(endpoint ([0-9a-f-]{36})\)/.exec(output);
    const secret = /signing secret (whsec_\S+);/.exec(output);
    return endpoint && secret ? { endpointId: endpoint[1], secret: secret[1] } : undefined;
  }, { timeoutMs: DEADLINE_MS, message: `the listener to be ready\n${process.output()}` });
  return { process, ...ready };
}

/** The CLI's lines about one payout's messages, once there are `count`. */
function linesAbout(listener: Listener, payoutId: string, count: number) {
  return waitFor(() => {
    const lines = listener.process.output().split("\n").filter((line) => line.includes(payoutId));
    return lines.length >= count ? lines : undefined;
  }, { timeoutMs: DEADLINE_MS, message: `${count} lines\n${listener.process.output()}` });
}

Deno.test("webhooks listen: a real payout's events arrive verified, are forwarded with their headers, and the endpoint goes on SIGINT", async () => {
  await withApiProcess(async (api) => {
    const sql = api.db.sql;
    const { key } = await new ApiKeyService(sql).create("listen-e2e");
    const headers = { Authorization: `Bearer ${key}`, "Content-Type": "application/json" };
    const receiver = startWebhookReceiver();
    // The first forwarded message fails at the target: the worker must retry it.
    receiver.behave((request) => ({ status: request.index === 0 ? 503 : 200 }));
    const worker = spawnEntrypoint("worker.ts", {
      DATABASE_URL: api.db.url,
      ...streamEnv(api.streams.names),
      PROVIDER_LATENCY_MS: "5",
      WORKER_BLOCK_MS: "200",
      WEBHOOK_POLL_MS: "50",
      WEBHOOK_RETRY_SCHEDULE_MS: "0,100,100,100,100",
      WEBHOOK_ALLOW_HTTP: "false",
      WEBHOOK_ALLOW_PRIVATE: "false",
    });
    const listeners: Listener[] = [];
    try {
      const all = await startListener(api.db.url, ["--forward-to", receiver.url("/forwarded")]);
      listeners.push(all);
      const completedOnly = await startListener(api.db.url, ["--events", "payout.completed"]);
      listeners.push(completedOnly);

      // The API shows neither endpoint, and still refuses a loopback URL of its own.
      const listed = await fetch(`${api.origin}/api/webhook-endpoints/`, { headers });
      assert.equal(listed.status, 200);
      assert.deepEqual((await listed.json()).results, []);
      const one = await fetch(`${api.origin}/api/webhook-endpoints/${all.endpointId}/`, {
        headers,
      });
      await one.body?.cancel();
      assert.equal(one.status, 404);
      const loopback = await fetch(`${api.origin}/api/webhook-endpoints/`, {
        method: "POST",
        headers,
        body: JSON.stringify({ url: "http://127.0.0.1:9/hook", events: ["*"] }),
      });
      const problem = await loopback.json();
      assert.equal(loopback.status, 400, JSON.stringify(problem));
      assert.equal(problem.errors[0].path, "url");

      const created = await fetch(`${api.origin}/api/payouts/`, {
        method: "POST",
        headers,
        body: JSON.stringify({
          amount: "12.34",
          currency: "EUR",
          recipient_details: { account: "DE89370400440532013000" },
        }),
      });
      const payout = await created.json();
      assert.equal(created.status, 201, JSON.stringify(payout));

      // One line per delivery, the failed forward's included; each verified.
      const lines = await linesAbout(all, payout.id, 4);
      for (const line of lines) {
        assert.match(
          line,
          /signature verified {2}forwarded → (503 \(the worker will retry\)|200)$/,
          line,
        );
      }
      const types = ["payout.created", "payout.processing", "payout.completed"];
      for (const type of types) {
        assert.ok(lines.some((line) => line.includes(type) && line.endsWith("→ 200")), type);
      }
      assert.equal(lines.filter((line) => line.includes("→ 503")).length, 1, lines.join("\n"));

      // The target got each message with its original headers, and it verifies.
      const forwarded = await waitFor(() => {
        const mine = receiver.requests.filter((r) => JSON.parse(r.body).data.id === payout.id);
        return mine.length >= 4 ? mine : undefined;
      }, { timeoutMs: DEADLINE_MS, message: "four forwarded requests" });
      const verifier = new Webhook(all.secret);
      for (const request of forwarded) {
        assert.equal(request.path, "/forwarded");
        assert.equal(request.headers.get("content-type"), "application/json");
        const body = verifier.verify(request.body, Object.fromEntries(request.headers)) as {
          type: string;
        };
        assert.ok(lines.some((line) => line.includes(body.type) && line.includes(request.id)));
      }
      assert.deepEqual(
        [...new Set(forwarded.map((request) => JSON.parse(request.body).type))].sort(),
        [...types].sort(),
      );
      // The retried message is one webhook-id, sent twice: 503, then 2xx.
      const retried = forwarded.filter((request) => request.id === forwarded[0].id);
      assert.equal(retried.length, 2);
      const attempts = await waitFor(async () => {
        const rows = await sql<{ status_code: number }[]>`
          select status_code from webhook_attempts where message_id = ${forwarded[0].id}
          order by id
        `;
        return rows.length >= 2 ? rows.map((row) => row.status_code) : undefined;
      }, { timeoutMs: DEADLINE_MS, message: "two attempts recorded" });
      assert.deepEqual(attempts, [503, 204]);

      // The filtered listener is written and sent payout.completed only.
      const [completedLine] = await linesAbout(completedOnly, payout.id, 1);
      assert.match(completedLine, /payout\.completed .*signature verified/);
      const kinds = await waitFor(async () => {
        const rows = await sql<{ event_type: string; status: string }[]>`
          select event_type, status from webhook_messages
          where endpoint_id = ${completedOnly.endpointId}
        `;
        return rows.every((row) => row.status === "delivered") ? [...rows] : undefined;
      }, { timeoutMs: DEADLINE_MS, message: "the completed message recorded as delivered" });
      assert.deepEqual(kinds, [{ event_type: "payout.completed", status: "delivered" }]);
      assert.doesNotMatch(completedOnly.process.output(), /payout\.(created|processing)/);

      // SIGINT: each CLI removes its endpoint, messages and attempts with it, and exits 0.
      for (const listener of listeners.splice(0)) {
        const exit = await listener.process.stop("SIGINT");
        assert.equal(exit.code, 0, listener.process.output());
        assert.match(listener.process.output(), /endpoint [0-9a-f-]{36} removed/);
        const left = await sql`
          select from webhook_endpoints where id = ${listener.endpointId}
          union all
          select from webhook_messages where endpoint_id = ${listener.endpointId}
        `;
        assert.equal(left.length, 0);
      }
      const stopped = await worker.stop("SIGTERM");
      assert.equal(stopped.code, 0, worker.output().slice(-2000));
      assert.doesNotMatch(worker.output(), /URL refused/);
    } finally {
      for (const listener of listeners) await listener.process.stop("SIGKILL");
      await worker.stop("SIGKILL");
      await receiver.close();
    }
  });
});

Deno.test("webhooks listen: bad flags give one plain line with the usage and exit 2, before touching the database", async () => {
  const args = await taskArgs("webhooks");
  for (
    const bad of [
      ["listen", "--events", "payout.paid"],
      ["listen", "--forward-to", "ftp://127.0.0.1/"],
      ["listen", "--verbose"],
      [],
    ]
  ) {
    // An unreachable database: a parse that reached it would fail differently.
    const result = await runDeno([...args, ...bad], {
      DATABASE_URL: "postgres://nobody@127.0.0.1:1/x",
    });
    assert.equal(result.code, 2, bad.join(" "));
    assert.equal(result.stdout, "");
    const lines = result.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0], /^webhooks: .+ \(usage: deno task webhooks listen \[--forward-to URL\]/);
  }
});
