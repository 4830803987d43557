/** A small HTTP server that only serves `/metrics`, for processes without an API (workers). */
import { Hono } from "hono";
import type { Registry } from "prom-client";
import { problem, sendProblem } from "../http/problem.ts";
import type { AppEnv } from "../http/request_context.ts";
import type { Logger } from "../log.ts";
import { mountMetrics } from "./metrics_route.ts";

export interface MetricsServerOptions {
  hostname: string;
  port: number;
  registry: Registry;
  /** Bearer token for `/metrics`; empty = public. */
  token: string;
  log: Logger;
}

export interface MetricsServer {
  /** The port it listens on (useful with port 0). */
  port: number;
  /** Stops listening and waits for open requests. */
  shutdown(): Promise<void>;
}

/**
 * Starts the metrics server. Returns undefined (after logging) when the port cannot be
 * bound: a worker without metrics still pays out, so it is not a reason to stop.
 */
export function serveMetrics(options: MetricsServerOptions): MetricsServer | undefined {
  const app = new Hono<AppEnv>({ strict: false });
  mountMetrics(app, options.registry, options.token);
  app.notFound((c) => sendProblem(c, problem(404, "not_found", "Only /metrics is served here.")));
  try {
    const server = Deno.serve({
      hostname: options.hostname,
      port: options.port,
      onListen: ({ hostname, port }) => options.log.info("metrics listening", { hostname, port }),
    }, app.fetch);
    return { port: server.addr.port, shutdown: () => server.shutdown() };
  } catch (error) {
    options.log.error("metrics server not started", {
      port: options.port,
      error: error instanceof Error ? error.message : String(error),
    });
    return undefined;
  }
}
