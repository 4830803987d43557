/**
 * Request counts and latencies by method, matched route pattern and status, and the 503s
 * answered because a dependency was unreachable, by dependency.
 */
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
  const unavailable = new Counter({
    name: "http_dependency_unavailable_total",
    help: "Requests answered 503 because a dependency (postgres, redis) was unreachable.",
    labelNames: ["dependency"] as const,
    registers: [registry],
  });
  // Both series exist from the start, so a rate over them works before the first outage.
  for (const dependency of ["postgres", "redis"]) unavailable.inc({ dependency }, 0);
  return ({ method, route, status, seconds, unavailable: dependency }) => {
    const labels = {
      method: METHODS.has(method) ? method : "OTHER",
      route,
      status: String(status),
    };
    requests.inc(labels);
    duration.observe(labels, seconds);
    if (dependency) unavailable.inc({ dependency });
  };
}
