/** Request counts and latencies by method, matched route pattern and status. */
import { Counter, Histogram, type Registry } from "prom-client";
import type { RequestObserver } from "../http/request_context.ts";

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * Registers the HTTP metrics and returns the observer to hand to `buildApp`. Labels stay
 * bounded: the route is the matched pattern (never the raw path with ids) and unusual
 * methods are folded into `OTHER`.
 */
export function registerHttpMetrics(registry: Registry): RequestObserver {
  const labelNames = ["method", "route", "status"] as const;
  const requests = new Counter({
    name: "http_requests_total",
    help: "HTTP requests answered, by method, route pattern and status.",
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "http_request_duration_seconds",
    help: "Time to answer an HTTP request, by method, route pattern and status.",
    labelNames,
    buckets: BUCKETS,
    registers: [registry],
  });
  return ({ method, route, status, seconds }) => {
    const labels = {
      method: METHODS.has(method) ? method : "OTHER",
      route,
      status: String(status),
    };
    requests.inc(labels);
    duration.observe(labels, seconds);
  };
}
