/**
 * Webhooks for local development, like `stripe listen`.
 *
 *     deno task webhooks listen [--forward-to URL] [--events a,b ...]
 *
 * Starts an HTTP listener on 127.0.0.1 (a free port) and subscribes it as a temporary
 * webhook endpoint, written straight into the database (DATABASE_URL), as `deno task apikey`
 * writes keys: the API refuses loopback URLs unless WEBHOOK_ALLOW_* say otherwise, and
 * still does; the workers deliver to this endpoint's loopback URL and nowhere else. Each
 * message the workers deliver (a worker must run: `deno task dev`) is printed on one line
 * with whether its signature verified, and with `--forward-to` sent on to URL with its
 * original headers. `--events` limits the event types (default: all).
 *
 * The endpoint holds a lease the CLI renews every 5 s; SIGINT or SIGTERM delete it, and
 * after a SIGKILL it gets nothing once the lease ends (30 s) and the workers delete it a
 * minute later. The API does not show it. Bad usage: one line on stderr, exit 2; a failure:
 * one `webhooks: <message>` line, exit 1.
 *
 * @module
 */
import { loadConfigOrExit } from "../src/config.ts";
import { createSql } from "../src/db/client.ts";
import { describe } from "../src/runtime/outage_retry.ts";
import { generateSecret } from "../src/webhooks/secret.ts";
import { type ListenCommand, parseArgs, USAGE } from "./webhooks/listen_args.ts";
import { listenerHandler } from "./webhooks/listener_handler.ts";
import { ListenerLease } from "./webhooks/listener_lease.ts";

const time = () => new Date().toISOString().slice(11, 19);

async function listen(command: ListenCommand): Promise<number> {
  const config = loadConfigOrExit("webhooks");
  const sql = createSql(config.DATABASE_URL, {
    max: 2,
    applicationName: "payouts-webhooks-cli",
    prepare: config.DATABASE_PREPARE,
  });
  const secret = generateSecret();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    listenerHandler({
      secret,
      forwardTo: command.forwardTo,
      print: (line) => console.log(`${time()}  ${line}`),
    }),
  );
  const url = `http://127.0.0.1:${server.addr.port}/`;
  let lease: ListenerLease;
  try {
    lease = await ListenerLease.subscribe(sql, { url, events: command.events, secret });
  } catch (error) {
    console.error(`webhooks: could not subscribe the listener: ${describe(error)}`);
    await server.shutdown();
    await sql.end({ timeout: 5 });
    return 1;
  }
  const events = command.events[0] === "*" ? "every event" : command.events.join(", ");
  const forwarding = command.forwardTo ? `, forwarding to ${command.forwardTo}` : "";
  console.log(
    `webhooks: listening on ${url} for ${events}${forwarding} (endpoint ${lease.endpointId})`,
  );
  console.log(
    `webhooks: signing secret ${secret}; a running worker delivers (deno task dev); ` +
      "Ctrl-C to stop",
  );

  const stopped = Promise.withResolvers<number>();
  const onSignal = () => stopped.resolve(0);
  for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(signal, onSignal);
  let renewalFailing = false;
  lease.keepAlive(() => {
    console.error("webhooks: the listener's lease ended (was the CLI paused?); stopping");
    stopped.resolve(1);
  }, (error) => {
    if (!renewalFailing) console.error(`webhooks: could not renew the lease: ${describe(error)}`);
    renewalFailing = true;
  });

  let code = await stopped.promise;
  for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.removeSignalListener(signal, onSignal);
  try {
    if (await lease.remove()) console.log(`webhooks: endpoint ${lease.endpointId} removed`);
    else {
      console.error("webhooks: the endpoint is still in use; the workers will delete it");
      code = 1;
    }
  } catch (error) {
    console.error(
      `webhooks: could not remove the endpoint (${describe(error)}); the workers will delete it`,
    );
    code = 1;
  }
  await server.shutdown();
  await sql.end({ timeout: 5 });
  return code;
}

async function main(args: string[]): Promise<number> {
  const command = parseArgs(args);
  if (typeof command === "string") {
    console.error(`webhooks: ${command} (${USAGE})`);
    return 2;
  }
  return await listen(command);
}

if (import.meta.main) Deno.exit(await main(Deno.args));
